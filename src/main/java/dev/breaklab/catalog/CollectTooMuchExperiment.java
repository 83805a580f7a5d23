package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.DecimalKnob;
import dev.breaklab.run.RunStatus;
import java.util.List;
import java.util.Set;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** collect() of more than the driver may hold: Spark refuses cleanly thanks to the result-size guard. */
@Component
class CollectTooMuchExperiment implements Experiment {

    static final String ID = "collect-too-much";
    private static final int ROW_BYTES = 256;
    private static final int PARTITIONS = 16;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Collect too much: the driver is not a database",
            "collect() pulls every row into the driver's heap; the result-size guard stops it cleanly.",
            List.of(Concept.MEMORY, Concept.SPARK_UI),
            """
            collect() (and toPandas, take with a huge n, a broadcast of a big table) copies results from \
            every task into the driver's memory. The executors are fine; it is the driver that dies, \
            usually with an OutOfMemoryError that takes the whole application with it.

            spark.driver.maxResultSize is the guard: once the serialized results of a job's tasks add up \
            past it, Spark aborts the job with a clear error instead. The lab sets it (see \
            lab.engine.max-result-size) and this experiment collects a multiple of it on purpose. Watch \
            the run fail with Spark's own message, then run anything else: the lab is still healthy.

            The fix is to not bring the rows home: aggregate on the cluster and collect the small answer, \
            or write the result out.""",
            new Code("""
                    // rows sized to guardMultiple x spark.driver.maxResultSize, 256 bytes each
                    // two SHA-512 digests per row: LZ4 cannot shrink them
                    Dataset<Row> wide = spark.range(0, rows, 1, 16).select(concat(
                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                        sha2(concat(col("id").cast("string"), lit("b")), 512)).as("payload"));

                    List<Row> all = wide.collectAsList();           // broken: over the guard

                    List<Row> summary = wide                         // fixed: aggregate first
                        .agg(count(lit(1)), sum(length(col("payload"))))
                        .collectAsList();""", """
                    SELECT concat(sha2(concat(id, 'a'), 512), sha2(concat(id, 'b'), 512)) AS payload
                    FROM range(0, ${rows}, 1, 16);                               -- broken: collected

                    SELECT count(*), sum(length(payload)) FROM (...);  -- fixed"""),
            List.of(DecimalKnob.of(
                    "guardMultiple",
                    "Result size",
                    2.0,
                    0.1,
                    4.0,
                    "x maxResultSize",
                    "How much data to produce, as a multiple of spark.driver.maxResultSize")),
            List.of(
                    Variant.of("broken", "collect() everything", "Collect every row to the driver"),
                    Variant.of("fixed", "Aggregate first", "Aggregate on the executors, collect one row")),
            List.of(Question.outcome("Will the run succeed or fail?")),
            List.of(
                    Evidence.central(
                            "guard-tripped",
                            "Spark aborts the job because the results exceed spark.driver.maxResultSize",
                            Set.of("broken"),
                            run -> {
                                boolean tripped = run.status() == RunStatus.FAILED
                                        && run.error() != null
                                        && run.error().message().contains("spark.driver.maxResultSize");
                                return Verdict.of(
                                        tripped,
                                        "status %s%s",
                                        run.status(),
                                        run.error() == null
                                                ? ""
                                                : ": " + run.error().errorClass());
                            }),
                    Evidence.of(
                            "aggregated",
                            "Aggregating first brings one row home and the run succeeds",
                            Set.of("fixed"),
                            run -> Verdict.of(
                                    run.status() == RunStatus.SUCCEEDED,
                                    "status %s, result %s",
                                    run.status(),
                                    run.result()))),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** 256 hex characters per row that LZ4 cannot shrink: task results are compressed. */
    private static org.apache.spark.sql.Column payload() {
        return concat(
                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                        sha2(concat(col("id").cast("string"), lit("b")), 512))
                .as("payload");
    }

    @Override
    public String run(ExperimentRun run) {
        long guard = JavaUtils.byteStringAsBytes(
                run.spark().sparkContext().getConf().get("spark.driver.maxResultSize", "1g"));
        long rows = Math.max(1, (long) (guard * run.knobs().decimal("guardMultiple") / ROW_BYTES));
        Dataset<Row> wide = run.spark().range(0, rows, 1, PARTITIONS).select(payload());
        if ("fixed".equals(run.variant())) {
            Row summary = run.collect(wide.agg(count(lit(1)), sum(length(col("payload")))))
                    .get(0);
            return summary.getLong(0) + " rows, " + summary.getLong(1) + " characters, summarised on the executors";
        }
        return run.collect(wide).size() + " rows collected";
    }
}
