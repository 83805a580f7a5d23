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
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** partitionBy after a 100-partition shuffle: every task writes a file for every day it holds. */
@Component
class SmallOutputFilesExperiment extends ExperimentBase {

    static final String ID = "small-output-files";
    private static final String REBALANCE = "REBALANCE_PARTITIONS_BY_COL";
    private static final Pattern BY_DAY = Pattern.compile("hashpartitioning\\(day#\\d+, \\d+\\)");

    SmallOutputFilesExperiment() {
        super(define(ID, SmallOutputFilesExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.SHUFFLE, Concept.SPARK_UI)
                .knob(Knobs.rows(20_000, 10_000_000))
                .knob(IntegerKnob.of("days", 2, 1, 60, "partitions"))
                .knob(IntegerKnob.of("users", 2_000, 1, 1_000_000, "keys"))
                .knob(Knobs.shufflePartitions(100, 2_000, "tasks after the aggregation's shuffle, each one writer"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .variant(Variant.of("rebalance").withConf("spark.sql.adaptive.enabled", "true"))
                .variant(Variants.aqeOff("rebalance-no-aqe"))
                .question(Question.number(
                        "files-written", run -> SparkMetricText.orZero(write(run), "number of written files")))
                .question(Questions.yesNo(
                        "shuffled-by-day",
                        run -> RunQueries.countFinal(
                                        run,
                                        n -> n.isShuffleExchange()
                                                && BY_DAY.matcher(n.simpleString())
                                                        .find())
                                > 0))
                .evidence(Evidence.central("file-per-task-and-day", Set.of("broken", "rebalance-no-aqe"), run -> {
                    PlanNode write = write(run);
                    long files = SparkMetricText.orZero(write, "number of written files");
                    long days = SparkMetricText.orZero(write, "number of dynamic part");
                    long bytes = SparkMetricText.orZero(write, "written output");
                    return Verdict.of(
                            days > 0 && files >= 10 * days,
                            "%,d files for %d days (%,d per day), %s in all, %s per file",
                            files,
                            days,
                            days == 0 ? 0 : files / days,
                            Figures.bytes(bytes),
                            Figures.bytes(files == 0 ? 0 : bytes / files));
                }))
                .evidence(Evidence.of("one-file-per-day", Set.of("fixed", "rebalance"), run -> {
                    PlanNode write = write(run);
                    long files = SparkMetricText.orZero(write, "number of written files");
                    long days = SparkMetricText.orZero(write, "number of dynamic part");
                    return Verdict.of(
                            days > 0 && files == days,
                            "%,d files for %d days, %s per file",
                            files,
                            days,
                            Figures.bytes(files == 0 ? 0 : SparkMetricText.orZero(write, "written output") / files));
                }))
                .evidence(Evidence.of("rebalance-exchange", Set.of("rebalance"), run -> {
                    long exchanges = rebalanceExchanges(run);
                    return Verdict.of(exchanges == 1, "rebalance exchanges in the final plan: %d", exchanges);
                }))
                .evidence(Evidence.of("hint-dropped", Set.of("rebalance-no-aqe"), run -> {
                    long exchanges = rebalanceExchanges(run);
                    return Verdict.of(
                            exchanges == 0,
                            "rebalance exchanges: %d, shuffle exchanges: %d",
                            exchanges,
                            RunQueries.exchanges(run));
                }))
                .primaryFinding("small-output-files"));
    }

    /** The write of the daily aggregate. */
    private static PlanNode write(RunSnapshot run) {
        return RunQueries.fileWrites(run).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the run wrote no files"));
    }

    /** The final plan's shuffle Exchanges of the REBALANCE hint. */
    private static long rebalanceExchanges(RunSnapshot run) {
        return RunQueries.countFinal(run, n -> n.isShuffleExchange() && n.marked(REBALANCE));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> daily = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(
                        expr("date_add(DATE'2026-01-01', CAST(pmod(id, " + k.integer("days") + ") AS INT))")
                                .as("day"),
                        pmod(col("id").multiply(7), lit(k.integer("users"))).as("user"),
                        pmod(col("id").multiply(13), lit(1000)).as("amount"))
                .groupBy("day", "user")
                .agg(sum("amount").as("amount"), count(lit(1)).as("events"));
        Dataset<Row> out =
                switch (run.variant()) {
                    case "fixed" -> daily.repartition(col("day"));
                    case "rebalance", "rebalance-no-aqe" -> daily.hint("rebalance", "day");
                    default -> daily;
                };
        run.capture(out);
        out.write()
                .mode("overwrite")
                .partitionBy("day")
                .parquet(run.workDir().resolve("daily").toString());
        // lesson:end
        return k.integer("rows") + " events aggregated per day and user, written by day";
    }
}
