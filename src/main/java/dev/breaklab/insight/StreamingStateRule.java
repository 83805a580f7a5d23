package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.Severity;
import java.util.List;

/**
 * Streaming state that can only grow: a stateful operator (aggregation, dropDuplicates, join)
 * with no watermark keeps every key forever. Spark's progress shows state rows total rising batch
 * after batch with rows removed at 0.
 */
record StreamingStateRule() implements Rule {

    static final String KIND = "unbounded-state";

    @Override
    public List<Observation> check(Subject subject) {
        List<BatchSnapshot> batches = subject.run().batches().stream()
                .filter(b -> !b.stateOperators().isEmpty())
                .toList();
        if (batches.size() < 3
                || batches.stream().anyMatch(b -> b.watermark() != null)
                || batches.stream().anyMatch(b -> b.stateRowsRemoved() > 0)) {
            return List.of();
        }
        BatchSnapshot first = batches.get(0);
        BatchSnapshot last = batches.get(batches.size() - 1);
        if (last.stateRowsTotal() <= first.stateRowsTotal()) {
            return List.of();
        }
        return List.of(Observation.of(KIND, Severity.WARNING)
                .operator(last.stateOperators().get(0).operatorName())
                .summary(
                        "Streaming state only grows: %,d rows after %d batches (from %,d), none ever removed, %s in memory",
                        last.stateRowsTotal(),
                        batches.size(),
                        first.stateRowsTotal(),
                        bytes(last.stateMemoryUsedBytes()))
                .detail("A stateful streaming operator keeps a row per key (group, duplicate id, join key) between"
                        + " micro-batches. Without a watermark Spark cannot know when a key is finished, so it"
                        + " never removes one: the state store grows with every new key, and with it memory,"
                        + " checkpoint size and batch time, until the query falls over.")
                .fix("Add a watermark on the event-time column (withWatermark(\"ts\", \"10 minutes\")) and use it in"
                        + " the aggregation window or dropDuplicates, so Spark can drop state older than the"
                        + " watermark.")
                .numbers(
                        "batches", batches.size(),
                        "stateRowsFirst", first.stateRowsTotal(),
                        "stateRowsLast", last.stateRowsTotal(),
                        "stateMemoryBytes", last.stateMemoryUsedBytes())
                .build());
    }
}
