package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A shuffle whose partitioning nothing uses: a {@code repartition(n)} (round-robin exchange) whose
 * rows go straight into another exchange, through operators that need no particular partitioning.
 * A whole stage of network and disk I/O for nothing; the plan shows two exchanges in a row.
 */
record ExtraShuffleRule() implements Rule {

    static final String KIND = "extra-shuffle";

    /** Operators that work row by row (or map-side) and so do not care how rows are partitioned. */
    private static final Set<String> NARROW = Set.of("Project", "Filter", "InputAdapter", "ColumnarToRow", "Sample");

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode plan : subject.run().finalPlans()) {
            for (PlanNode upper : plan.stream().toList()) {
                if (!isExchange(upper)) {
                    continue;
                }
                PlanNode lower = nextExchangeBelow(upper.children());
                if (lower == null || !lower.simpleString().contains("RoundRobinPartitioning")) {
                    continue;
                }
                long rows = SparkMetricText.orZero(lower, "shuffle records written");
                long bytes = SparkMetricText.orZero(lower, "data size");
                out.add(Observation.of(KIND, Severity.WARNING)
                        .operator(clip(lower.simpleString()))
                        .summary(
                                "A repartition() shuffled every row, and the next exchange shuffled them all again before"
                                        + " anything used its partitioning")
                        .detail("repartition(n) is a full shuffle: every row is written to disk and fetched over the"
                                + " network into n new partitions. Here the rows then flow, through operators that"
                                + " do not care about partitioning, into another exchange ("
                                + clip(upper.simpleString())
                                + ") that shuffles them again by its own keys. One extra stage, and its shuffle"
                                + " I/O, for nothing. Each exchange in the plan is a stage boundary.")
                        .fix(
                                "Remove the repartition(): the aggregation or join already shuffles by its keys. Repartition"
                                        + " only to change the parallelism of narrow work, or by the key the next operator"
                                        + " needs.")
                        .numbers("shuffleRecordsWritten", rows, "shuffleBytes", bytes)
                        .build());
            }
        }
        return out;
    }

    private static boolean isExchange(PlanNode node) {
        return node.isShuffleExchange();
    }

    /** The first exchange below, if only narrow operators (and partial aggregates) lie in between. */
    private static PlanNode nextExchangeBelow(List<PlanNode> children) {
        for (PlanNode child : children) {
            if (isExchange(child)) {
                return child;
            }
            boolean narrow = NARROW.contains(child.nodeName())
                    || child.nodeName().startsWith("WholeStageCodegen")
                    || child.named("ShuffleQueryStage")
                    || child.named("AQEShuffleRead")
                    || child.nodeName().contains("Aggregate")
                            && child.simpleString().contains("partial_");
            if (narrow) {
                PlanNode found = nextExchangeBelow(child.children());
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static String clip(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
