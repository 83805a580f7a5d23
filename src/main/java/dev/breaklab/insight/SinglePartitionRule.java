package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A window with no {@code PARTITION BY}: its input must be one partition, so Spark shuffles every
 * row into a single task ({@code Exchange SinglePartition} under the {@code Window}) and warns "No
 * Partition Defined for Window operation!".
 */
record SinglePartitionRule() implements Rule {

    static final String KIND = "single-partition";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode window : subject.finalOperators()) {
            if (!window.named("Window") && !window.nodeName().startsWith("Window")) {
                continue;
            }
            PlanNode exchange = firstExchange(window);
            if (exchange == null || !exchange.simpleString().contains("SinglePartition")) {
                continue;
            }
            long rows = SparkMetricText.orZero(exchange, "shuffle records written");
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(window.nodeName())
                    .summary(String.format(
                            java.util.Locale.ROOT,
                            "A window with no PARTITION BY moved all %,d rows into one partition: one task does it all",
                            rows))
                    .detail(
                            "A window function computes over the rows of its partition in order. Without PARTITION BY the"
                                    + " whole dataset is one window partition, so Spark must shuffle every row to a single"
                                    + " task (Exchange SinglePartition) and sort it there; the other cores wait, and that"
                                    + " task's memory has to hold the lot (Spark logs \"No Partition Defined for Window"
                                    + " operation\").")
                    .fix("Partition the window by a key that splits the data (Window.partitionBy(\"user\")); for a"
                            + " global ranking, rank within partitions first, or use a different approach"
                            + " (e.g. monotonically_increasing_id for unique ids).")
                    .numbers("rows", rows)
                    .build());
        }
        return out;
    }

    private static PlanNode firstExchange(PlanNode node) {
        for (PlanNode child : node.children()) {
            if (child.isShuffleExchange()) {
                return child;
            }
            if (child.named("BroadcastExchange") || child.nodeName().contains("Join")) {
                continue;
            }
            PlanNode found = firstExchange(child);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
