package dev.breaklab.insight;

import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.Severity;
import java.util.List;

/** Late events dropped by the watermark: Spark's progress reports "numRowsDroppedByWatermark". */
record LateRowsRule() implements Rule {

    static final String KIND = "late-rows-dropped";

    @Override
    public List<Observation> check(Subject subject) {
        long dropped = subject.run().batches().stream()
                .mapToLong(BatchSnapshot::rowsDroppedByWatermark)
                .sum();
        if (dropped == 0) {
            return List.of();
        }
        String watermark = subject.run().batches().stream()
                .map(BatchSnapshot::watermark)
                .filter(w -> w != null)
                .reduce((a, b) -> b)
                .orElse("?");
        return List.of(Observation.of(KIND, Severity.WARNING)
                .summary(
                        "%,d row(s) reached the state operator behind the watermark and were dropped: they are not in"
                                + " any result",
                        dropped)
                .detail("A watermark (the latest event time seen minus the allowed delay; " + watermark
                        + " at the end) tells Spark which windows are final. Rows behind the watermark arrive too"
                        + " late: Spark drops them silently from stateful operators, in append and update mode"
                        + " alike, and in append mode a window is only emitted once the watermark passes its end."
                        + " For a window aggregation a row is late when its window's end is at or behind the"
                        + " watermark. The count is rows reaching the state operator (after partial aggregation),"
                        + " so several late events of one window can count once. Spark guarantees only that data"
                        + " within the delay is kept; data beyond it may or may not be dropped.")
                .fix("Allow more lateness (a longer delay in withWatermark) if those rows matter, at the cost of more"
                        + " state and later results; or route late data elsewhere and reconcile it in batch.")
                .numbers("rowsDroppedByWatermark", dropped)
                .build());
    }
}
