package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.ratio;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Optional;

/**
 * AQE explained: a skewed join that AQE did not split. OptimizeSkewedJoin gives up when splitting
 * would break the partitioning an operator above the join relies on (an aggregation or another
 * join on the same key), because that would need an extra shuffle; it only adds one with
 * {@code spark.sql.adaptive.forceOptimizeSkewedJoin=true}.
 */
record AqeSkewDeclinedRule() implements Rule {

    static final String KIND = "aqe-skew-declined";

    @Override
    public List<Observation> check(Subject subject) {
        boolean adaptive = subject.run().planVersions().stream()
                .anyMatch(p -> p.tree() != null && p.tree().anyMatch(n -> n.named("AdaptiveSparkPlan")));
        if (!adaptive
                || !subject.confTrue("spark.sql.adaptive.enabled", true)
                || !subject.confTrue("spark.sql.adaptive.skewJoin.enabled", true)
                || subject.confTrue("spark.sql.adaptive.forceOptimizeSkewedJoin", false)) {
            return List.of();
        }
        List<PlanNode> operators = subject.finalOperators();
        Optional<PlanNode> unsplit = operators.stream()
                .filter(n -> (n.nodeName().startsWith("SortMergeJoin")
                                || n.nodeName().startsWith("ShuffledHashJoin"))
                        && !n.nodeName().contains("skew=true"))
                .findFirst();
        if (unsplit.isEmpty() || operators.stream().anyMatch(n -> n.nodeName().contains("skew=true"))) {
            return List.of();
        }
        double factor =
                AqeSkewSplitRule.number(subject.conf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "5"), 5);
        long floor = SparkMetricText.confBytes(
                subject.conf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "256MB"), 256L << 20);
        Optional<StageSnapshot> skewed = subject.measuredStages().stream()
                .filter(s -> s.taskShuffleReadBytes().count() > 1
                        && s.taskShuffleReadBytes().max() > floor
                        && s.taskShuffleReadBytes().maxOverMedian() > factor)
                .findFirst();
        if (skewed.isEmpty()) {
            return List.of();
        }
        StageSnapshot stage = skewed.get();
        boolean distributionAbove = requiresDistributionAbove(subject.run().finalPlans(), unsplit.get());
        return List.of(Observation.of(KIND, Severity.WARNING)
                .stage(stage.stageId())
                .operator(unsplit.get().nodeName())
                .summary(
                        "AQE did not split the skewed join: stage %d's largest partition read %s, %s the median",
                        stage.stageId(),
                        bytes(stage.taskShuffleReadBytes().max()),
                        ratio(stage.taskShuffleReadBytes().maxOverMedian()))
                .detail("The partition is over AQE's skew bar (" + factor + "x the median and " + bytes(floor)
                        + "), and skew join is on, yet the final plan has a plain "
                        + unsplit.get().nodeName() + ". "
                        + (distributionAbove
                                ? "An operator above the join (an aggregation, window or join on the same key)"
                                        + " relies on the join's output being partitioned by that key; splitting"
                                        + " a partition would break that and need an extra shuffle, so AQE's"
                                        + " OptimizeSkewedJoin declined."
                                : "AQE's OptimizeSkewedJoin declines when a split would need an extra shuffle"
                                        + " (the plan above the join relies on its partitioning) or when the join"
                                        + " type cannot be split on the skewed side."))
                .fix("Accept the extra shuffle to get rid of the straggler:"
                        + " spark.sql.adaptive.forceOptimizeSkewedJoin=true; or salt the hot key.")
                .numbers(
                        "maxShuffleReadBytes",
                        stage.taskShuffleReadBytes().max(),
                        "medianShuffleReadBytes",
                        stage.taskShuffleReadBytes().p50(),
                        "skewedPartitionFactor",
                        factor,
                        "skewedPartitionThresholdBytes",
                        floor)
                .fixConf("spark.sql.adaptive.forceOptimizeSkewedJoin", "true")
                .build());
    }

    /** Whether, between the join and the root, an operator needs its partitioning (no exchange in between). */
    static boolean requiresDistributionAbove(List<PlanNode> roots, PlanNode join) {
        for (PlanNode root : roots) {
            if (above(root, join, false)) {
                return true;
            }
        }
        return false;
    }

    private static boolean above(PlanNode node, PlanNode join, boolean needs) {
        if (node == join) {
            return needs;
        }
        boolean exchange = node.named("Exchange") || node.named("ShuffleQueryStage");
        boolean distributed = !exchange
                && (node.nodeName().contains("Aggregate")
                                && !node.simpleString().contains("partial_")
                        || node.named("Window")
                        || node.nodeName().contains("Join"));
        for (PlanNode child : node.children()) {
            if (above(child, join, !exchange && (needs || distributed))) {
                return true;
            }
        }
        return false;
    }
}
