package dev.breaklab.insight;

import static dev.breaklab.insight.Observation.conf;
import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A shuffle join with one side small enough to broadcast: both sides were shuffled (and sorted),
 * although broadcasting the small one would have left the big one where it was. The size is the
 * small side's shuffle "data size", measured by Spark during the run; the planner decides on an
 * estimate made before it, and a filter or an unknown source can make that estimate far too big.
 */
record MissedBroadcastRule() implements Rule {

    static final String KIND = "missed-broadcast";

    private static final long SPARK_DEFAULT_THRESHOLD = 10L << 20;

    @Override
    public List<Observation> check(Subject subject) {
        long configured = SparkMetricText.confBytes(
                subject.conf("spark.sql.autoBroadcastJoinThreshold", "10MB"), SPARK_DEFAULT_THRESHOLD);
        long limit = configured > 0 ? configured : SPARK_DEFAULT_THRESHOLD;
        List<Observation> out = new ArrayList<>();
        for (PlanNode join : subject.finalOperators()) {
            if (!(join.nodeName().startsWith("SortMergeJoin") || join.nodeName().startsWith("ShuffledHashJoin"))
                    || join.children().size() != 2) {
                continue;
            }
            String type = join.simpleString();
            boolean leftBuildable = !type.contains("LeftOuter")
                    && !type.contains("LeftSemi")
                    && !type.contains("LeftAnti")
                    && !type.contains("FullOuter");
            boolean rightBuildable = !type.contains("RightOuter") && !type.contains("FullOuter");
            long left = leftBuildable ? shuffledSize(join.children().get(0)) : -1;
            long right = rightBuildable ? shuffledSize(join.children().get(1)) : -1;
            long small = left > 0 && (right <= 0 || left <= right) ? left : right;
            long big = small == left ? right : left;
            if (small <= 0 || small > limit) {
                continue;
            }
            boolean adaptiveOff = !subject.run().anyFinalPlanNode(n -> n.named("AdaptiveSparkPlan"));
            Map<String, String> fixConf = configured <= 0
                    ? conf("spark.sql.autoBroadcastJoinThreshold", "10MB")
                    : adaptiveOff ? conf("spark.sql.adaptive.enabled", "true") : conf();
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(join.nodeName())
                    .summary("The " + join.nodeName() + " shuffled both sides, but one side was only " + bytes(small)
                            + ": small enough to broadcast")
                    .detail("A shuffle join moves both sides across the network by key (and a sort-merge join sorts"
                            + " them). When one side fits comfortably in memory, a broadcast hash join ships it"
                            + " whole to every executor once (its tasks share the copy) instead and leaves the big side"
                            + (big > 0 ? " (" + bytes(big) + ")" : "")
                            + " where it is: no shuffle, no sort for it. Spark broadcasts on its own below "
                            + (configured <= 0
                                    ? "spark.sql.autoBroadcastJoinThreshold, which is off (-1) here"
                                    : bytes(configured) + " (spark.sql.autoBroadcastJoinThreshold), but it"
                                            + " decides on its estimate before running, and the estimate was too"
                                            + " big (a filter, an unknown source)")
                            + ".")
                    .fix("Broadcast the small side: a BROADCAST hint (or broadcast() in the DataFrame API), a working"
                            + " spark.sql.autoBroadcastJoinThreshold, or AQE (spark.sql.adaptive.enabled), which"
                            + " re-plans the join with the size it measured after the shuffle. A MERGE or SHUFFLE_HASH"
                            + " hint on the join forbids all three: delete it.")
                    .numbers(
                            "smallSideBytes", small,
                            "bigSideBytes", big,
                            "broadcastThresholdBytes", configured,
                            "consideredBytes", limit)
                    .fixConf(fixConf)
                    .build());
        }
        return out;
    }

    /** The "data size" of the exchange feeding one join input (through sorts, reads and stage wrappers). */
    static long shuffledSize(PlanNode input) {
        if (input.isShuffleExchange()) {
            return SparkMetricText.orZero(input, "data size");
        }
        if (input.named("BroadcastExchange")
                || input.named("ReusedExchange")
                || input.children().size() != 1) {
            return -1;
        }
        return shuffledSize(input.children().get(0));
    }
}
