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
import dev.breaklab.telemetry.RunStatus;
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
            check sizes: /*+ BROADCAST(t) */ on a table that was small last year, or on the wrong side of \
            the join, makes Spark pull the whole table through the driver. In production this is a classic \
            driver OutOfMemoryError, or executors dying while they hold a copy each.

            Collecting the build side is an ordinary Spark job whose task results go to the driver, so it \
            is bounded by spark.driver.maxResultSize, the lab's guard. This experiment sizes the hinted \
            table as a multiple of that guard (incompressible hex digests, so compression cannot save it). \
            The broken run fails with Spark's own message, "Total size of serialized results ... is bigger \
            than spark.driver.maxResultSize", before any hash table is built; then any other run works, \
            because only that job was aborted. Spark has a second limit behind this one: a broadcast table \
            above spark.sql.maxBroadcastTableSize (8 GB by default) is refused outright, but the result-size \
            guard fires long before that.

            In the lab, the run ends FAILED with the error, and the stage list shows the collect job of the \
            big table failing. In the Spark UI the failed job sits under the SQL query with its reason; a \
            driver-side OutOfMemoryError would have left you with no UI at all. The fix: drop the hint \
            (or say MERGE) so the two sides are shuffled instead, and keep broadcasts for tables that stay \
            small.""",
            new Code("""
                    // the big side: guardMultiple x spark.driver.maxResultSize of incompressible rows
                    Dataset<Row> big = spark.range(0, rows, 1, 16).select(col("id").as("key"), concat(
                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                        sha2(concat(col("id").cast("string"), lit("b")), 512)).as("payload"));
                    Dataset<Row> facts = spark.range(0, rows, 1, 16).select(
                        pmod(col("id"), lit(rows)).as("key"));

                    facts.join(broadcast(big), "key")            // broken: collected to the driver
                        .agg(count(lit(1)), sum(length(col("payload")))).collectAsList();

                    facts.join(big.hint("merge"), "key")         // fixed: shuffle both sides instead
                        .agg(count(lit(1)), sum(length(col("payload")))).collectAsList();""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.autoBroadcastJoinThreshold = -1;
                    SET spark.sql.shuffle.partitions = 8;

                    CREATE TEMP VIEW big AS
                      SELECT id AS key,
                             concat(sha2(concat(id, 'a'), 512), sha2(concat(id, 'b'), 512)) AS payload
                      FROM range(0, ${rows}, 1, 16);
                    CREATE TEMP VIEW facts AS SELECT id AS key FROM range(0, ${rows}, 1, 16);

                    -- broken
                    SELECT /*+ BROADCAST(b) */ count(*), sum(length(payload))
                    FROM facts f JOIN big b ON f.key = b.key;

                    -- fixed
                    SELECT /*+ MERGE(b) */ count(*), sum(length(payload))
                    FROM facts f JOIN big b ON f.key = b.key;"""),
            List.of(DecimalKnob.of(
                    "guardMultiple",
                    "Broadcast size",
                    1.5,
                    0.1,
                    3.0,
                    "x maxResultSize",
                    "Size of the hinted table, as a multiple of spark.driver.maxResultSize")),
            List.of(
                    Variant.of("broken", "BROADCAST the big table", "The hint forces the big table through the driver")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of("fixed", "MERGE instead", "The same join as a sort-merge join: both sides shuffled")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8")),
            List.of(
                    Question.choice(
                            "outcome",
                            "Will the run succeed or fail?",
                            List.of("SUCCEEDED", "FAILED"),
                            run -> run.status().name()),
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the plan use?",
                            List.of("BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin"),
                            Plans::joinStrategy)),
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
                            Set.of("broken"),
                            run -> {
                                String join = Joins.initialPlan(run)
                                        .map(v -> Joins.joinIn(v.tree()))
                                        .orElse("none");
                                return Verdict.of(join.equals("BroadcastHashJoin"), "planned join: %s", join);
                            }),
                    Evidence.of(
                            "merge-succeeds",
                            "Without the broadcast, the same join shuffles both sides and succeeds",
                            Set.of("fixed"),
                            run -> Verdict.of(
                                    run.status() == RunStatus.SUCCEEDED
                                            && Plans.joinStrategy(run).equals("SortMergeJoin"),
                                    "status %s, join %s, result %s",
                                    run.status(),
                                    Plans.joinStrategy(run),
                                    run.result()))),
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
        Dataset<Row> facts = spark.range(0, rows, 1, PARTITIONS)
                .select(pmod(col("id"), lit(rows)).as("key"));
        Dataset<Row> hinted = "broken".equals(run.variant()) ? broadcast(big) : big.hint("merge");
        Row summary = run.collect(facts.join(hinted, "key").agg(count(lit(1)), sum(length(col("payload")))))
                .get(0);
        return summary.getLong(0) + " rows joined, " + summary.getLong(1) + " payload characters";
    }
}
