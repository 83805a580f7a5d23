package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SparkMetricText;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.springframework.stereotype.Component;

/** A table partitioned by day, queried through the timestamp it was derived from: every partition read. */
@Component
class PartitionPruningExperiment extends ExperimentBase {

    static final String ID = "partition-pruning";
    // the lesson code writes it as a literal: its snippet compiles without the lab
    private static final String DAY = "2026-01-07";

    private static final String TABLE = """
            DROP TABLE IF EXISTS pruning_events;
            CREATE TABLE pruning_events USING parquet PARTITIONED BY (day) AS
              SELECT id, ts, pmod(id * 7, 1000) AS amount, to_date(ts) AS day
              FROM (SELECT id, timestamp_seconds(1767225600 + id * ${days} * 86400 DIV ${rows}) AS ts
                    FROM range(0, ${rows}, 1, 2));
            """;
    private static final String COUNT = "SELECT count(1) AS events, sum(amount) AS amount FROM pruning_events WHERE ";
    private static final String DROP = ";\nDROP TABLE pruning_events";

    PartitionPruningExperiment() {
        super(define(ID, PartitionPruningExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.JOINS, Concept.SPARK_UI)
                .sql(TABLE + COUNT + "to_date(ts) = DATE'" + DAY + "'" + DROP)
                .sql("fixed", TABLE + COUNT + "day = DATE'" + DAY + "'" + DROP)
                .sql("function-on-day", TABLE + COUNT + "date_format(day, 'yyyy-MM-dd') = '" + DAY + "'" + DROP)
                .sql(
                        "udf-on-day",
                        TABLE
                                + "-- SQL cannot declare a Java UDF: a cast of day stands for it (a partition filter too)\n"
                                + COUNT + "cast(day AS string) = '" + DAY + "'" + DROP)
                .sql("dynamic", TABLE + """
                    CREATE OR REPLACE TEMP VIEW calendar AS
                      SELECT date_add(DATE'2026-01-01', CAST(id AS INT)) AS d, id % 7 = 3 AS holiday,
                             CAST(id DIV 7 AS INT) AS week
                      FROM range(0, ${days});
                    SELECT c.week, count(1) AS events, sum(e.amount) AS amount
                    FROM pruning_events e JOIN calendar c ON e.day = c.d
                    WHERE c.holiday
                    GROUP BY c.week""" + DROP)
                .knob(Knobs.rows(200_000, 20_000_000))
                .knob(IntegerKnob.of("days", 30, 8, 366, "partitions"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .variant(Variant.of("function-on-day"))
                .variant(Variant.of("udf-on-day"))
                .variant(Variant.of("dynamic"))
                .question(Question.number(
                        "partitions-read",
                        run -> RunQueries.finalMetric(run, "Scan parquet", "number of partitions read")))
                .question(Questions.yesNo("partition-filter", run -> !RunQueries.pruningFilters(scan(run))
                        .isEmpty()))
                .evidence(Evidence.central("every-partition-read", Set.of("broken"), run -> {
                    PlanNode scan = scan(run);
                    long partitions = SparkMetricText.orZero(scan, "number of partitions read");
                    return Verdict.of(
                            partitions == RunQueries.knob(run, "days")
                                    && RunQueries.pruningFilters(scan).isEmpty(),
                            "%d of %d partitions, %d files, %s read; PartitionFilters %s; PushedFilters %s",
                            partitions,
                            RunQueries.knob(run, "days"),
                            SparkMetricText.orZero(scan, "number of files read"),
                            Figures.bytes(SparkMetricText.orZero(scan, "size of files read")),
                            RunQueries.scanList(scan, "PartitionFilters"),
                            RunQueries.scanList(scan, "PushedFilters"));
                }))
                .evidence(Evidence.of("filtered-after-scan", Set.of("broken"), run -> {
                    PlanNode scan = scan(run);
                    long scanned = SparkMetricText.orZero(scan, "number of output rows");
                    long kept = RunQueries.filterOver(run.finalPlans(), scan)
                            .map(f -> SparkMetricText.orZero(f, "number of output rows"))
                            .orElse(scanned);
                    return Verdict.of(
                            kept * 10 < scanned, "scan: %,d rows, the Filter above it kept %,d", scanned, kept);
                }))
                .evidence(Evidence.of("one-partition-read", Set.of("fixed", "function-on-day", "udf-on-day"), run -> {
                    PlanNode scan = scan(run);
                    long partitions = SparkMetricText.orZero(scan, "number of partitions read");
                    return Verdict.of(
                            partitions == 1 && !RunQueries.pruningFilters(scan).isEmpty(),
                            "%d partition, %d file(s), %s read; PartitionFilters %s",
                            partitions,
                            SparkMetricText.orZero(scan, "number of files read"),
                            Figures.bytes(SparkMetricText.orZero(scan, "size of files read")),
                            RunQueries.pruningFilters(scan));
                }))
                .evidence(Evidence.of("dynamic-pruning", Set.of("dynamic"), run -> {
                    PlanNode scan = scan(run);
                    long partitions = SparkMetricText.orZero(scan, "number of partitions read");
                    boolean dynamic = RunQueries.pruningFilters(scan).stream()
                            .anyMatch(f -> f.contains("dynamicpruningexpression"));
                    return Verdict.of(
                            dynamic && partitions < RunQueries.knob(run, "days") / 2,
                            "%d of %d partitions; files read %d of %d (\"static number of files read\"); %s",
                            partitions,
                            RunQueries.knob(run, "days"),
                            SparkMetricText.orZero(scan, "number of files read"),
                            SparkMetricText.orZero(scan, "static number of files read"),
                            RunQueries.pruningFilters(scan));
                }))
                .primaryFinding("no-partition-pruning"));
    }

    /** The read of the partitioned table (the run's one file scan). */
    private static PlanNode scan(RunSnapshot run) {
        return RunQueries.fileScans(run).stream()
                .filter(s ->
                        SparkMetricText.value(s, "number of partitions read").isPresent())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no scan of the partitioned table"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        String dir = run.workDir().resolve("events").toString();
        long rows = k.integer("rows");
        long days = k.integer("days");
        run.spark()
                .range(0, rows, 1, 2)
                .select(
                        col("id"),
                        expr("timestamp_seconds(1767225600 + id * " + days + " * 86400 DIV " + rows + ")")
                                .as("ts"),
                        pmod(col("id").multiply(7), lit(1000)).as("amount"))
                .withColumn("day", to_date(col("ts")))
                .write()
                .mode("overwrite")
                .partitionBy("day")
                .parquet(dir);
        Dataset<Row> events = run.spark().read().parquet(dir);
        String day = "2026-01-07"; // the day queried, DAY in the SQL form
        UserDefinedFunction dayText = udf((UDF1<java.sql.Date, String>) String::valueOf, DataTypes.StringType);
        Column oneDay =
                switch (run.variant()) {
                    case "fixed" -> col("day").equalTo(to_date(lit(day)));
                    case "function-on-day" ->
                        date_format(col("day"), "yyyy-MM-dd").equalTo(lit(day));
                    case "udf-on-day" -> dayText.apply(col("day")).equalTo(lit(day));
                    default -> to_date(col("ts")).equalTo(to_date(lit(day)));
                };
        Dataset<Row> query;
        if (run.variant().equals("dynamic")) {
            Dataset<Row> calendar = run.spark()
                    .range(0, days)
                    .select(
                            expr("date_add(DATE'2026-01-01', CAST(id AS INT))").as("d"),
                            expr("id % 7 = 3").as("holiday"),
                            expr("CAST(id DIV 7 AS INT)").as("week"));
            query = events.join(
                            calendar.where(col("holiday")), events.col("day").equalTo(calendar.col("d")))
                    .groupBy("week")
                    .agg(count(lit(1)).as("events"), sum("amount").as("amount"));
        } else {
            query = events.where(oneDay)
                    .agg(count(lit(1)).as("events"), sum("amount").as("amount"));
        }
        run.execute(query);
        // lesson:end
        return rows + " events over " + days + " days written and queried";
    }
}
