package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
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

/** A skewed join followed by a groupBy on the join key: AQE sees the skew and declines to split it. */
@Component
class SkewNotSplitExperiment implements Experiment {

    static final String ID = "skew-not-split";
    private static final int MAP_PARTITIONS = 16;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Skew not split: AQE declines when the fix costs a shuffle",
            "A skewed join feeding a groupBy on the same key: AQE keeps the straggler rather than add a shuffle.",
            List.of(Concept.AQE, Concept.JOINS, Concept.SHUFFLE),
            """
            Adaptive execution splits a skewed sort-merge join partition into several tasks, each \
            joining a slice of the big side with a copy of the matching small side. The price is that the \
            join's output is no longer hash-partitioned by the key: rows of the hot key now come out of \
            several tasks. If nothing after the join cares, that is free. Here something does: the join \
            is followed by a groupBy on the same key, which Spark planned without a shuffle of its own \
            because the join's output was already partitioned by that key.

            Splitting the skew would therefore need an extra Exchange before the aggregate, and AQE's \
            rule is to never make a plan add shuffles behind your back. It detects the skewed partition \
            and keeps the original plan: the join stage still has its straggler. This is Spark's \
            documented behaviour (AdaptiveQueryExecSuite, SPARK-30524 and SPARK-33832), and a common \
            surprise: "skew join is enabled, why is there still one long task?"

            spark.sql.adaptive.forceOptimizeSkewedJoin=true tells AQE to split anyway and pay for the \
            extra shuffle; the no-aggregate variant shows that without the groupBy on the key AQE splits \
            on its own. In the lab, compare the final plans: SortMergeJoin vs SortMergeJoin(skew=true), \
            and the Exchange count. In the Spark UI, the SQL tab's final plan shows "AQEShuffleRead \
            skewed" only when the split happened; the join stage's task summary shows the straggler when \
            it did not.""",
            new Code("""
                    // spark.sql.adaptive.enabled=true, skewJoin.enabled=true, coalescePartitions.enabled=false
                    // skewJoin.skewedPartitionFactor=3, skewedPartitionThresholdInBytes=256k,
                    // advisoryPartitionSizeInBytes=256k, autoBroadcastJoinThreshold=-1 (both)
                    // broken: spark.sql.adaptive.forceOptimizeSkewedJoin=false; fixed: true
                    Dataset<Row> facts = spark.range(0, rows, 1, 16).select(
                        when(pmod(col("id"), lit(100)).lt(hotKeyShare), lit(0L))
                            .otherwise(pmod(hash(col("id")), lit(keys - 1)).plus(1)).as("key"),
                        pmod(col("id"), lit(1000)).as("amount"));
                    Dataset<Row> dims = spark.range(keys).select(
                        col("id").as("key"), concat(lit("name-"), col("id")).as("name"));

                    facts.join(dims, "key")
                        .groupBy("key")                       // same key: no shuffle of its own
                        .agg(count(lit(1)).as("rows"), sum("amount").as("amount"))
                        .write().format("noop").mode("overwrite").save();

                    // no-aggregate: facts.join(dims, "key").agg(count(lit(1)), sum("amount"))""", """
                    SET spark.sql.adaptive.enabled = true;
                    SET spark.sql.adaptive.skewJoin.enabled = true;
                    SET spark.sql.adaptive.forceOptimizeSkewedJoin = false;   -- fixed: true
                    SET spark.sql.autoBroadcastJoinThreshold = -1;

                    SELECT key, count(*) AS rows, sum(amount) AS amount
                    FROM facts JOIN dims USING (key)
                    GROUP BY key;"""),
            List.of(
                    IntegerKnob.of(
                            "rows", "Fact rows", 1_000_000, 10_000, 50_000_000, "rows", "Rows in the fact table"),
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
                                    8,
                                    1,
                                    200,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: tasks in the join stage before any split")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    skewVariant("broken", "AQE on, not forced", "AQE sees the skew but will not add a shuffle")
                            .withConf("spark.sql.adaptive.forceOptimizeSkewedJoin", "false"),
                    skewVariant("fixed", "forceOptimizeSkewedJoin", "AQE splits the skew and adds an Exchange")
                            .withConf("spark.sql.adaptive.forceOptimizeSkewedJoin", "true"),
                    skewVariant(
                                    "no-aggregate",
                                    "No groupBy on the key",
                                    "The same join with a global aggregate: splitting costs nothing, AQE splits")
                            .withConf("spark.sql.adaptive.forceOptimizeSkewedJoin", "false")),
            List.of(
                    Question.choice(
                            "skew-split",
                            "Will AQE split the skewed partition?",
                            List.of("yes", "no"),
                            run -> split(run) ? "yes" : "no"),
                    Question.number(
                            "exchanges",
                            "How many shuffle Exchanges will the final plan have?",
                            RunQueries::exchanges)),
            List.of(
                    Evidence.central(
                            "declined",
                            "AQE kept the skewed plan: no SortMergeJoin(skew=true), and the join stage's biggest task reads at least 5x the median",
                            Set.of("broken"),
                            run -> {
                                StageSnapshot stage = joinStage(run);
                                double read = stage.taskShuffleReadBytes().maxOverMedian();
                                return Verdict.of(
                                        !split(run) && read >= 5,
                                        "SortMergeJoin(skew=true): %s; join stage %d: %d tasks, shuffle read max/median %.1fx, duration max/median %.1fx",
                                        split(run) ? "yes" : "no",
                                        stage.stageId(),
                                        stage.numTasks(),
                                        read,
                                        stage.taskDurationMs().maxOverMedian());
                            }),
                    Evidence.of(
                            "aggregate-rides-on-join",
                            "The groupBy reuses the join's partitioning: the final plan has only the join's two Exchanges",
                            Set.of("broken"),
                            run -> Verdict.of(
                                    RunQueries.exchanges(run) == 2,
                                    "shuffle Exchanges in the final plan: %d",
                                    RunQueries.exchanges(run))),
                    Evidence.of(
                            "forced-split",
                            "Forced, AQE splits the skewed partition and pays with an extra Exchange before the aggregate",
                            Set.of("fixed"),
                            run -> {
                                boolean skewedRead = RunQueries.finalPlanHas(run, "AQEShuffleRead", "skewed");
                                return Verdict.of(
                                        split(run) && skewedRead && RunQueries.exchanges(run) == 3,
                                        "SortMergeJoin(skew=true): %s, AQEShuffleRead skewed: %s, shuffle Exchanges: %d, join stage shuffle read max/median %.1fx",
                                        split(run) ? "yes" : "no",
                                        skewedRead ? "yes" : "no",
                                        RunQueries.exchanges(run),
                                        joinStage(run).taskShuffleReadBytes().maxOverMedian());
                            }),
                    Evidence.of(
                            "split-when-free",
                            "Without a groupBy on the join key, AQE splits the skew by itself",
                            Set.of("no-aggregate"),
                            run -> Verdict.of(
                                    split(run),
                                    "SortMergeJoin(skew=true): %s, shuffle Exchanges: %d",
                                    split(run) ? "yes" : "no",
                                    RunQueries.exchanges(run)))),
            "embedded");

    private static Variant skewVariant(String name, String title, String description) {
        return Variant.of(name, title, description)
                .withConf("spark.sql.adaptive.enabled", "true")
                .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                .withConf("spark.sql.adaptive.skewJoin.enabled", "true")
                .withConf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "3")
                .withConf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "256k")
                .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "256k");
    }

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    static boolean split(RunSnapshot run) {
        return RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true");
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
                        pmod(col("id"), lit(1000)).as("amount"));
        Dataset<Row> dims = spark.range(keys)
                .select(col("id").as("key"), concat(lit("name-"), col("id")).as("name"));
        Dataset<Row> joined = facts.join(dims, "key");
        if ("no-aggregate".equals(run.variant())) {
            Row row = run.collect(joined.agg(count(lit(1)), sum("amount"))).get(0);
            return row.getLong(0) + " joined rows";
        }
        run.execute(joined.groupBy("key")
                .agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        return "joined rows aggregated per key";
    }
}
