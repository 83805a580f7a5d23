package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** One hot key holds most of the rows: one join task does most of the work while the others wait. */
@Component
class SkewedJoinExperiment implements Experiment {

    static final String ID = "skewed-join";
    private static final int MAP_PARTITIONS = 16;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Skewed join: one task does all the work",
            "A single hot key sends most rows to one join task; the stage waits for that straggler.",
            List.of(Concept.JOINS, Concept.SHUFFLE, Concept.AQE, Concept.SPARK_UI),
            """
            A sort-merge join shuffles both sides by the join key, so every row with the same key lands \
            in the same partition and is joined by the same task. Real data is rarely uniform: a default \
            customer id, a null-ish placeholder, one huge tenant. Here one key carries most of the fact \
            rows. The join stage has a few dozen tasks, all but one finish in a blink, and the stage (and \
            the cluster you pay for) waits for the one task that reads almost the whole shuffle.

            In the lab, look at the join stage's task-duration and shuffle-read distributions: the max \
            sits far from the median. In the Spark UI this is the stage page's summary metrics, where \
            "Max" dwarfs "75th percentile", and the event timeline shows one long bar.

            The fixes: let Adaptive Query Execution split the skewed partition into several tasks at \
            runtime (spark.sql.adaptive.skewJoin.*; the final plan says SortMergeJoin(skew=true)), or salt \
            the hot key yourself so its rows spread over many partitions.""",
            new Code("""
                    Dataset<Row> facts = spark.range(0, rows, 1, 16).select(
                        when(pmod(col("id"), lit(100)).lt(hotKeyShare), lit(0L))
                            .otherwise(pmod(hash(col("id")), lit(keys - 1)).plus(1)).as("key"),
                        pmod(col("id"), lit(1000)).as("amount"));
                    Dataset<Row> dims = spark.range(keys).select(
                        col("id").as("key"), concat(lit("name-"), col("id")).as("name"));

                    // broken: spark.sql.adaptive.enabled=false, spark.sql.autoBroadcastJoinThreshold=-1
                    // fixed:  AQE on with spark.sql.adaptive.skewJoin.enabled=true
                    facts.join(dims, "key")
                        .agg(count(lit(1)), sum("amount"))
                        .write().format("noop").mode("overwrite").save();

                    // salted: spread the hot key over saltBuckets partitions
                    facts.withColumn("salt", pmod(col("id"), lit(saltBuckets)))
                        .join(dims.withColumn("salt", explode(sequence(lit(0), lit(saltBuckets - 1)))),
                              List.of("key", "salt"))
                        .agg(count(lit(1)), sum("amount"));""", """
                    SET spark.sql.adaptive.enabled = false;        -- broken
                    SET spark.sql.autoBroadcastJoinThreshold = -1;

                    CREATE TEMP VIEW facts AS
                      SELECT CASE WHEN id % 100 < ${hotKeyShare} THEN 0
                                  ELSE pmod(hash(id), ${keys} - 1) + 1 END AS key,
                             id % 1000 AS amount
                      FROM range(${rows});
                    CREATE TEMP VIEW dims AS
                      SELECT id AS key, concat('name-', id) AS name FROM range(${keys});

                    SELECT count(*), sum(amount) FROM facts JOIN dims USING (key);

                    -- fixed
                    SET spark.sql.adaptive.enabled = true;
                    SET spark.sql.adaptive.skewJoin.enabled = true;"""),
            List.of(
                    IntegerKnob.of(
                            "rows", "Fact rows", 2_000_000, 10_000, 50_000_000, "rows", "Rows in the fact table"),
                    IntegerKnob.of(
                            "hotKeyShare",
                            "Hot key share",
                            80,
                            0,
                            99,
                            "%",
                            "Share of fact rows that carry the hot key 0"),
                    IntegerKnob.of(
                            "keys", "Distinct keys", 10_000, 10, 1_000_000, "keys", "Rows in the dimension table"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "Shuffle partitions",
                                    16,
                                    1,
                                    2_000,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: tasks in the join stage")
                            .conf("spark.sql.shuffle.partitions"),
                    IntegerKnob.of(
                            "saltBuckets",
                            "Salt buckets",
                            16,
                            2,
                            256,
                            "buckets",
                            "How many ways the salted variant spreads each key")),
            List.of(
                    Variant.of(
                                    "broken",
                                    "Skewed, no help",
                                    "AQE off, broadcast off: a plain sort-merge join on skewed keys")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1"),
                    Variant.of(
                                    "fixed",
                                    "AQE skew join",
                                    "AQE detects the skewed partition and splits it into several tasks")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                            .withConf("spark.sql.adaptive.skewJoin.enabled", "true")
                            .withConf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "3")
                            .withConf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "1m")
                            .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "1m"),
                    Variant.of(
                                    "aqe-skew-split",
                                    "AQE skew split",
                                    "The AQE skew-join split on its own (the same settings as fixed)")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                            .withConf("spark.sql.adaptive.skewJoin.enabled", "true")
                            .withConf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "3")
                            .withConf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "1m")
                            .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "1m"),
                    Variant.of("salted", "Salted keys", "AQE off; the hot key is spread over salt buckets by hand")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")),
            List.of(
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the final plan use?",
                            List.of(
                                    "SortMergeJoin",
                                    "BroadcastHashJoin",
                                    "ShuffledHashJoin",
                                    "BroadcastNestedLoopJoin"),
                            RunQueries::joinStrategy),
                    Question.choice(
                            "skew-split",
                            "Will Spark split the skewed partition?",
                            List.of("yes", "no"),
                            run -> RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true") ? "yes" : "no"),
                    Question.number(
                            "straggler-ratio",
                            "In the join stage, how many times longer than the median will the slowest task be (rounded)?",
                            run -> Math.round(joinStage(run).taskDurationMs().maxOverMedian()))),
            List.of(
                    Evidence.central(
                            "straggler",
                            "The join stage has a straggler: its slowest task takes at least 5x the median and reads at least 5x the median shuffle data",
                            Set.of("broken"),
                            run -> {
                                StageSnapshot stage = joinStage(run);
                                double duration = stage.taskDurationMs().maxOverMedian();
                                double read = stage.taskShuffleReadBytes().maxOverMedian();
                                return Verdict.of(
                                        duration >= 5 && read >= 5,
                                        "stage %d: max/median duration %.1fx (%d ms vs %d ms), shuffle read %.1fx",
                                        stage.stageId(),
                                        duration,
                                        stage.taskDurationMs().max(),
                                        stage.taskDurationMs().p50(),
                                        read);
                            }),
                    Evidence.of(
                            "skew-split",
                            "AQE split the skewed partition: the final plan has SortMergeJoin(skew=true)",
                            Set.of("fixed", "aqe-skew-split"),
                            run -> {
                                boolean split = RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true");
                                boolean skewedRead = RunQueries.finalPlanHas(run, "AQEShuffleRead", "skewed");
                                return Verdict.of(
                                        split && skewedRead,
                                        "SortMergeJoin(skew=true): %s, AQEShuffleRead skewed: %s",
                                        split ? "yes" : "no",
                                        skewedRead ? "yes" : "no");
                            }),
                    Evidence.of(
                            "salted-join-keys",
                            "The salted join spreads the hot key: the join stage's max/median shuffle read stays under 5x",
                            Set.of("salted"),
                            run -> {
                                StageSnapshot stage = joinStage(run);
                                double read = stage.taskShuffleReadBytes().maxOverMedian();
                                return Verdict.of(
                                        read < 5, "stage %d: shuffle read max/median %.1fx", stage.stageId(), read);
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** The stage that read the most shuffle data: the join. */
    static StageSnapshot joinStage(RunSnapshot run) {
        return RunQueries.shuffleReadStage(run);
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long keys = k.integer("keys");
        // 16 map partitions: AQE can only split a skewed partition at map-output boundaries.
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, MAP_PARTITIONS)
                .select(
                        when(pmod(col("id"), lit(100)).lt(k.integer("hotKeyShare")), lit(0L))
                                .otherwise(pmod(hash(col("id")), lit(keys - 1)).plus(1))
                                .cast("long")
                                .as("key"),
                        pmod(col("id"), lit(1000)).as("amount"),
                        col("id"));
        Dataset<Row> dims = spark.range(keys)
                .select(col("id").as("key"), concat(lit("name-"), col("id")).as("name"));
        Dataset<Row> joined;
        if ("salted".equals(run.variant())) {
            int salts = k.intValue("saltBuckets");
            joined = facts.withColumn("salt", pmod(col("id"), lit(salts)))
                    .join(
                            dims.withColumn("salt", explode(sequence(lit(0L), lit((long) salts - 1)))),
                            scala.jdk.javaapi.CollectionConverters.asScala(List.of("key", "salt"))
                                    .toSeq());
        } else {
            joined = facts.join(dims, "key");
        }
        Dataset<Row> query = joined.agg(count(lit(1)).as("rows"), sum("amount").as("amount"));
        List<Row> rows = run.collect(query);
        return rows.get(0).getLong(0) + " joined rows";
    }
}
