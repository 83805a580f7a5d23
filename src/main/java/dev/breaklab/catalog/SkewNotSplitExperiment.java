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
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A skewed join followed by a groupBy on the join key: AQE sees the skew and declines to split it. */
@Component
class SkewNotSplitExperiment extends ExperimentBase {

    private static final String VIEWS = """
            CREATE TEMP VIEW facts AS
              SELECT CAST(CASE WHEN pmod(id, 100) < ${hotKeyShare} THEN 0
                               ELSE pmod(hash(id), ${keys} - 1) + 1 END AS BIGINT) AS key,
                     pmod(id, 1000) AS amount
              FROM range(0, ${rows}, 1, 16);
            CREATE TEMP VIEW dims AS SELECT id AS key, concat('name-', id) AS name FROM range(${keys});
            """;

    SkewNotSplitExperiment() {
        super(define("skew-not-split", SkewNotSplitExperiment.class)
                .title("Skew not split: AQE declines when the fix costs a shuffle")
                .summary(
                        "A skewed join feeding a groupBy on the same key: AQE keeps the straggler rather than add a shuffle.")
                .concepts(Concept.AQE, Concept.JOINS, Concept.SHUFFLE)
                .story("""
                    Adaptive execution splits a skewed sort-merge join partition into several tasks, each \
                    joining a slice of the big side with a copy of the matching small side. The price is that the \
                    join's output is no longer hash-partitioned by the key: rows of the hot key now come out of \
                    several tasks. If nothing after the join cares, that is free. Here something does: the join \
                    is followed by a groupBy on the same key, which Spark planned without a shuffle of its own \
                    because the join's output was already partitioned by that key.

                    Splitting the skew would therefore need an extra Exchange before the aggregate, and AQE's \
                    rule is to never make a plan add shuffles behind your back. It detects the skewed partition \
                    and keeps the original plan: the join stage still has its straggler. This is Spark's \
                    documented behaviour (SPARK-30524 and SPARK-33832), and a common surprise: "skew join is \
                    enabled, why is there still one long task?"

                    spark.sql.adaptive.forceOptimizeSkewedJoin=true (the fixed variant) tells AQE to split anyway \
                    and pay for the extra shuffle; the no-aggregate variant shows that without the groupBy on the \
                    key AQE splits on its own. The lab's data is small, so every variant lowers AQE's skew test \
                    from Spark's defaults (skewedPartitionFactor 5, skewedPartitionThresholdInBytes 256 MB, \
                    advisoryPartitionSizeInBytes 64 MB) to factor 3, 256 KB and 256 KB, and turns off coalescing \
                    and broadcasts; on your own job the defaults apply to stragglers of hundreds of megabytes. \
                    The dimension here has 10,000 rows: in production you would broadcast it (Spark does so by \
                    itself below spark.sql.autoBroadcastJoinThreshold, 10 MB), and a broadcast hash join has no \
                    reduce-side partitions, so a hot key costs no straggler. The lab turns broadcast off to force \
                    the shuffle join; skew handling matters when both sides are too big to broadcast. Another \
                    way out here: aggregate the facts per key before the join, so the hot key is one row by the \
                    time it is joined.

                    In the lab, compare the final plans: SortMergeJoin vs SortMergeJoin(skew=true), and the \
                    Exchange count. In the Spark UI, the SQL tab's final plan shows "AQEShuffleRead skewed" only \
                    when the split happened; the join stage's task summary shows the straggler when it did not.""")
                .sql(VIEWS + """
                    SELECT key, count(1) AS rows, sum(amount) AS amount
                    FROM facts JOIN dims USING (key)
                    GROUP BY key""")
                .sql(
                        "no-aggregate",
                        VIEWS + "SELECT count(1) AS rows, sum(amount) AS amount FROM facts JOIN dims USING (key)")
                .knob(Knobs.rows(1_000_000, 50_000_000))
                .knob(IntegerKnob.of("hotKeyShare", "Hot key share", 80, 0, 99, "%", "Share of fact rows with key 0"))
                .knob(IntegerKnob.of("keys", "Distinct keys", 10_000, 10, 1_000_000, "keys", "Rows in the dimension"))
                .knob(Knobs.shufflePartitions(8, 200, "tasks in the join stage before any split"))
                .variant(
                        skewJoin("broken", "AQE on, not forced", "AQE sees the skew but will not add a shuffle", false))
                .variant(skewJoin("fixed", "forceOptimizeSkewedJoin", "AQE splits the skew and adds an Exchange", true))
                .variant(skewJoin(
                        "no-aggregate", "No groupBy on the key", "A global aggregate: AQE splits for free", false))
                .question(Questions.skewSplit())
                .question(Questions.exchanges())
                .evidence(Evidence.readSkew(
                                "declined",
                                "AQE kept the skewed plan: no SortMergeJoin(skew=true), and the join stage's biggest task reads at least 5x the median",
                                Set.of("broken"),
                                read -> read >= 5)
                        .and(run -> {
                            boolean split = RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true");
                            return Verdict.of(!split, "SortMergeJoin(skew=true): %s", split ? "yes" : "no");
                        })
                        .asCentral())
                .evidence(Evidence.exchanges(
                        "aggregate-rides-on-join",
                        "The groupBy reuses the join's partitioning: the final plan has only the join's two Exchanges",
                        Set.of("broken"),
                        2))
                .evidence(Evidence.skewSplit(
                                "forced-split",
                                "Forced, AQE splits the skewed partition and pays with an extra Exchange before the aggregate",
                                Set.of("fixed"))
                        .and(run -> Verdict.of(
                                RunQueries.exchanges(run) == 3, "shuffle Exchanges: %d", RunQueries.exchanges(run))))
                .evidence(Evidence.finalPlanHas(
                        "split-when-free",
                        "Without a groupBy on the join key, AQE splits the skew by itself",
                        Set.of("no-aggregate"),
                        "SortMergeJoin",
                        "skew=true"))
                .primaryFinding("aqe-skew-declined"));
    }

    /** AQE skew join with thresholds lowered to the lab's small data; forced or not to add a shuffle. */
    private static Variant skewJoin(String name, String title, String description, boolean force) {
        return Variants.skewJoin(name, title, description, "256k")
                .withConf("spark.sql.adaptive.forceOptimizeSkewedJoin", Boolean.toString(force));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // 16 map partitions: AQE can only split a skewed partition at map-output boundaries.
        Dataset<Row> facts = run.spark()
                .range(0, k.integer("rows"), 1, 16)
                .select(
                        when(pmod(col("id"), lit(100)).lt(k.integer("hotKeyShare")), lit(0L))
                                .otherwise(pmod(hash(col("id")), lit(k.integer("keys") - 1))
                                        .plus(1))
                                .cast("long")
                                .as("key"),
                        pmod(col("id"), lit(1000)).as("amount"));
        Dataset<Row> dims = run.spark()
                .range(k.integer("keys"))
                .select(col("id").as("key"), concat(lit("name-"), col("id")).as("name"));
        Dataset<Row> joined = facts.join(dims, "key");
        if (run.variant().equals("no-aggregate")) {
            run.collect(joined.agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        } else {
            // groupBy the join key: the join's output is already partitioned by it, no shuffle of its own
            run.execute(joined.groupBy("key")
                    .agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        }
        // lesson:end
        return "joined rows aggregated";
    }
}
