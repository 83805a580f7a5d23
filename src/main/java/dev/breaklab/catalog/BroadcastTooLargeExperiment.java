package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.DecimalKnob;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunStatus;
import java.util.List;
import java.util.Set;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** A BROADCAST hint on a table bigger than the driver may collect: the result-size guard stops it. */
@Component
class BroadcastTooLargeExperiment implements Experiment {

    static final String ID = "broadcast-too-large";
    private static final int ROW_BYTES = 256;
    private static final int PARTITIONS = 16;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Broadcast too large: the hint that takes the driver down",
            "A BROADCAST hint on a table bigger than the driver may hold: Spark aborts the job before it builds the hash table.",
            List.of(Concept.JOINS, Concept.MEMORY),
            """
            A broadcast join is fast because the small side is collected to the driver, turned into a \
            hash table and shipped to every executor. The word that matters is small. A hint does not \
            check sizes: /*+ BROADCAST(t) */ on a table that was small last year, or (as here) on the \
            wrong side of the join, makes Spark pull the whole table through the driver. In production \
            this is a classic driver OutOfMemoryError, or executors dying while they hold a copy each.

            Collecting the build side is an ordinary Spark job whose task results go to the driver, so it \
            is bounded by spark.driver.maxResultSize, the lab's guard. This experiment sizes the big table \
            as a multiple of that guard (incompressible hex digests, so compression cannot save it) and \
            joins it to a thousand lookup keys, with the hint on the big table. The broken run fails with \
            Spark's own message, "Total size of serialized results ... is bigger than \
            spark.driver.maxResultSize", before any hash table is built; then any other run works, \
            because only that job was aborted. Spark has a second limit behind this one: a broadcast table \
            above spark.sql.maxBroadcastTableSize (8 GB by default) is refused outright, but the result-size \
            guard fires long before that.

            In the lab, the run ends FAILED with the error, and the stage list shows the collect job of the \
            big table failing. In the Spark UI the failed job sits under the SQL query with its reason; a \
            driver-side OutOfMemoryError would have left you with no UI at all. The fix: put the hint on \
            the side that is really small. The thousand keys are broadcast, and the big table is scanned \
            where it sits and probed against them, with no shuffle at all. When both sides are big, drop \
            the hint (or say MERGE) and let Spark shuffle both.""",
            new Code("""
                    // the big side: guardMultiple x spark.driver.maxResultSize of incompressible rows
                    Dataset<Row> big = spark.range(0, rows, 1, 16).select(col("id").as("key"), concat(
                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                        sha2(concat(col("id").cast("string"), lit("b")), 512)).as("payload"));
                    // the really small side: lookupKeys keys spread over the big table
                    Dataset<Row> lookups = spark.range(0, lookupKeys, 1, 2).select(
                        pmod(col("id").multiply(7919), lit(rows)).as("key"));

                    lookups.join(broadcast(big), "key")          // broken: the big side collected
                        .agg(count(lit(1)), sum(length(col("payload")))).collectAsList();

                    big.join(broadcast(lookups), "key")          // fixed: the small side broadcast
                        .agg(count(lit(1)), sum(length(col("payload")))).collectAsList();""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.autoBroadcastJoinThreshold = -1;

                    CREATE TEMP VIEW big AS
                      SELECT id AS key,
                             concat(sha2(concat(id, 'a'), 512), sha2(concat(id, 'b'), 512)) AS payload
                      FROM range(0, ${rows}, 1, 16);
                    CREATE TEMP VIEW lookups AS
                      SELECT pmod(id * 7919, ${rows}) AS key FROM range(0, ${lookupKeys}, 1, 2);

                    -- broken
                    SELECT /*+ BROADCAST(b) */ count(*), sum(length(payload))
                    FROM lookups l JOIN big b ON l.key = b.key;

                    -- fixed
                    SELECT /*+ BROADCAST(l) */ count(*), sum(length(payload))
                    FROM lookups l JOIN big b ON l.key = b.key;"""),
            List.of(
                    DecimalKnob.of(
                            "guardMultiple",
                            "Big table size",
                            1.5,
                            0.1,
                            3.0,
                            "x maxResultSize",
                            "Size of the big table, as a multiple of spark.driver.maxResultSize"),
                    IntegerKnob.of(
                            "lookupKeys", "Lookup keys", 1_000, 1, 100_000, "rows", "Rows of the really small side")),
            List.of(
                    Variant.of(
                                    "broken",
                                    "BROADCAST the big table",
                                    "The hint is on the wrong side: the big table goes through the driver")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1"),
                    Variant.of(
                                    "fixed",
                                    "BROADCAST the small side",
                                    "The hint on the lookup keys: they are broadcast, the big table is probed in place")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")),
            List.of(
                    Question.outcome("Will the run succeed or fail?"),
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the plan use?",
                            List.of("BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin"),
                            RunQueries::joinStrategy)),
            List.of(
                    Evidence.central(
                            "guard-tripped",
                            "Spark aborts the broadcast: collecting the hinted table exceeds spark.driver.maxResultSize",
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
                                                : ": " + run.error().errorClass() + ": "
                                                        + firstLine(run.error().message()));
                            }),
                    Evidence.of(
                            "broadcast-planned",
                            "The plan Spark set out to run was a BroadcastHashJoin over a BroadcastExchange",
                            Set.of("broken", "fixed"),
                            run -> {
                                String join = RunQueries.initialPlan(run)
                                        .map(v -> RunQueries.joinIn(v.tree()))
                                        .orElse("none");
                                return Verdict.of(join.equals("BroadcastHashJoin"), "planned join: %s", join);
                            }),
                    Evidence.of(
                            "small-side-broadcast",
                            "With the hint on the small side the run succeeds: the broadcast holds only the lookup keys and the big table is not shuffled",
                            Set.of("fixed"),
                            run -> {
                                long broadcastRows =
                                        RunQueries.finalMetric(run, "BroadcastExchange", "number of output rows");
                                long written = RunQueries.shuffleWritten(run);
                                long lookups = ((Number) run.knobs().get("lookupKeys")).longValue();
                                return Verdict.of(
                                        run.status() == RunStatus.SUCCEEDED
                                                && broadcastRows == lookups
                                                && written < 1_048_576,
                                        "status %s, rows broadcast: %,d, shuffle written: %,d bytes (the final count only), result %s",
                                        run.status(),
                                        broadcastRows,
                                        written,
                                        run.result());
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    private static String firstLine(String message) {
        int cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        long guard =
                JavaUtils.byteStringAsBytes(spark.sparkContext().getConf().get("spark.driver.maxResultSize", "1g"));
        long rows = Math.max(1, (long) (guard * run.knobs().decimal("guardMultiple") / ROW_BYTES));
        // Two SHA-512 digests per row: 256 hex characters that LZ4 cannot shrink.
        Dataset<Row> big = spark.range(0, rows, 1, PARTITIONS)
                .select(
                        col("id").as("key"),
                        concat(
                                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                                        sha2(concat(col("id").cast("string"), lit("b")), 512))
                                .as("payload"));
        Dataset<Row> lookups = spark.range(0, run.knobs().integer("lookupKeys"), 1, 2)
                .select(pmod(col("id").multiply(7919), lit(rows)).as("key"));
        Dataset<Row> joined = "broken".equals(run.variant())
                ? lookups.join(broadcast(big), "key")
                : big.join(broadcast(lookups), "key");
        Row summary = run.collect(joined.agg(count(lit(1)), sum(length(col("payload")))))
                .get(0);
        return summary.getLong(0) + " rows joined, " + summary.getLong(1) + " payload characters";
    }
}
