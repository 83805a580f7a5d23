package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Optional;

/**
 * A sort-merge join under AQE whose partitions are all small enough to hash: AQE would have run a
 * shuffled hash join (no sorts) had {@code spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold}
 * allowed it; it defaults to 0, which keeps every sort-merge join.
 */
record AvoidableSortRule() implements Rule {

    static final String KIND = "sort-merge-avoidable";

    @Override
    public List<Observation> check(Subject subject) {
        if (!subject.run().anyFinalPlanNode(n -> n.named("AdaptiveSparkPlan"))
                || !subject.confTrue("spark.sql.adaptive.enabled", true)) {
            return List.of();
        }
        Optional<PlanNode> join = subject.finalOperators().stream()
                .filter(n -> n.nodeName().equals("SortMergeJoin"))
                .findFirst();
        Optional<StageSnapshot> stage = subject.run().heaviestShuffleReadStage();
        if (join.isEmpty() || stage.isEmpty()) {
            return List.of();
        }
        long advisory = SparkMetricText.confBytes(
                subject.conf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64MB"), 64L << 20);
        long localMap = SparkMetricText.confBytes(
                subject.conf("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", "0"), 0);
        long largest = stage.get().taskShuffleReadBytes().max();
        if (largest <= 0 || largest > advisory || largest <= localMap) {
            return List.of();
        }
        return List.of(Observation.of(KIND, Severity.WARNING)
                .stage(stage.get().stageId())
                .operator("SortMergeJoin")
                .summary("The join sorted both sides although every task read at most " + bytes(largest)
                        + ": a hash join per partition would do")
                .detail("A sort-merge join sorts both sides of every partition before merging them. When each partition"
                        + " of a side fits in memory, a shuffled hash join builds a hash table from it instead and"
                        + " skips the sorts. AQE makes that switch after the shuffle when every partition is under"
                        + " spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold, which is "
                        + bytes(localMap) + " here (0, the default, never switches). The price: a shuffled hash"
                        + " join keeps each partition's build side in an in-memory hash table and, unlike a"
                        + " sort-merge join, cannot spill it; a partition that outgrows execution memory fails the"
                        + " task with Spark's out-of-memory error.")
                .fix(
                        "Set spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold to about the advisory partition size ("
                                + bytes(advisory) + "), or hint SHUFFLE_HASH; not above what one task's execution"
                                + " memory holds, since the hash side cannot spill.")
                .numbers(
                        "largestTaskReadBytes", largest,
                        "localMapThresholdBytes", localMap,
                        "advisoryPartitionSizeBytes", advisory)
                .fixConf("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", Long.toString(advisory))
                .build());
    }
}
