package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.SqlSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * AQE explained: a join re-planned at runtime. A sort-merge join becomes a broadcast hash join when
 * one side's real (post-shuffle) size is under the adaptive broadcast threshold; Spark's final plan
 * then broadcasts that side's query stage ({@code BroadcastExchange} over a {@code ShuffleQueryStage})
 * and reads the other side locally. It becomes a shuffled hash join when every partition of a side
 * fits {@code spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold}.
 */
record AqeJoinSwitchRule() implements Rule {

    static final String KIND = "aqe-join-switched";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (SqlSnapshot sql : subject.run().sql()) {
            if (sql.plans().isEmpty()) {
                continue;
            }
            PlanNode initial = sql.plans().get(0).tree();
            PlanNode last = sql.finalPlan().map(PlanVersion::tree).orElse(null);
            if (initial == null || last == null || !initial.named("AdaptiveSparkPlan") && !hasAdaptive(initial)) {
                continue;
            }
            long initialSmj = initial.count(n -> n.nodeName().startsWith("SortMergeJoin"));
            if (initialSmj == 0) {
                continue;
            }
            for (PlanNode join : last.stream().toList()) {
                if (join.nodeName().startsWith("BroadcastHashJoin")) {
                    runtimeBroadcastSize(join).ifPresent(size -> out.add(toBroadcast(subject, join, size)));
                }
            }
            long initialShj = initial.count(n -> n.nodeName().startsWith("ShuffledHashJoin"));
            long finalShj = last.count(n -> n.nodeName().startsWith("ShuffledHashJoin"));
            if (finalShj > initialShj) {
                long limit = SparkMetricText.confBytes(
                        subject.conf("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", "0"), 0);
                out.add(Observation.of(KIND, Severity.INFO)
                        .operator("ShuffledHashJoin")
                        .summary("AQE switched SortMergeJoin to ShuffledHashJoin at runtime")
                        .detail("After the shuffles AQE saw that every partition of one side is at most "
                                + bytes(limit)
                                + " (spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold), small enough to"
                                + " hold as a hash table per task, so it dropped the sorts of the sort-merge"
                                + " join.")
                        .fix("Nothing to fix: AQE chose the cheaper join with sizes it measured.")
                        .numbers("localMapThresholdBytes", limit)
                        .build());
            }
        }
        return out;
    }

    private static boolean hasAdaptive(PlanNode tree) {
        return tree.anyMatch(n -> n.named("AdaptiveSparkPlan"));
    }

    /** For a broadcast join AQE created: the size of the shuffle it broadcasts (its "data size"). */
    static Optional<Long> runtimeBroadcastSize(PlanNode join) {
        for (PlanNode child : join.stream().toList()) {
            if (child.named("BroadcastExchange") || child.named("BroadcastQueryStage")) {
                Optional<PlanNode> shuffle =
                        child.stream().filter(n -> n.named("ShuffleQueryStage")).findFirst();
                if (shuffle.isEmpty()) {
                    return Optional.empty();
                }
                long size = shuffle.get().stream()
                        .filter(n -> n.named("Exchange"))
                        .findFirst()
                        .map(n -> SparkMetricText.orZero(n, "data size"))
                        .orElse(0L);
                return Optional.of(size);
            }
        }
        return Optional.empty();
    }

    private static Observation toBroadcast(Subject subject, PlanNode join, long size) {
        String adaptive = subject.run().conf().get("spark.sql.adaptive.autoBroadcastJoinThreshold");
        String setting = adaptive != null
                ? "spark.sql.adaptive.autoBroadcastJoinThreshold"
                : "spark.sql.autoBroadcastJoinThreshold";
        long threshold = SparkMetricText.confBytes(
                adaptive != null ? adaptive : subject.conf("spark.sql.autoBroadcastJoinThreshold", "10MB"), 10L << 20);
        return Observation.of(KIND, Severity.INFO)
                .operator(join.nodeName())
                .summary("AQE switched SortMergeJoin to BroadcastHashJoin: one side was " + bytes(size)
                        + " at runtime, under the " + bytes(threshold) + " broadcast threshold")
                .detail("Before running, Spark estimated both sides too big to broadcast and planned a sort-merge join"
                        + " (two shuffles, two sorts). AQE ran the shuffles first, measured the real size of each"
                        + " side (a filter had shrunk one of them to " + bytes(size) + ") and, since that is"
                        + " under " + setting + " (" + bytes(threshold) + "), re-planned the join as a broadcast"
                        + " hash join: the small side is broadcast from its shuffle output and the big side is"
                        + " read locally, with no sort.")
                .fix("Nothing to fix: AQE corrected the plan with sizes it measured. Better statistics (ANALYZE TABLE)"
                        + " let the planner choose the broadcast up front and skip the big side's shuffle too.")
                .numbers("runtimeSizeBytes", size, "broadcastThresholdBytes", threshold, "setting", setting)
                .build();
    }
}
