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
                .summary("The watermark dropped %,d late row(s): they are not in any result", dropped)
                .detail("A watermark (the latest event time seen minus the allowed delay; " + watermark
                        + " at the end) tells Spark which windows are final. Rows whose event time is older than"
                        + " the watermark arrive too late: Spark drops them silently from stateful operators, and"
                        + " in append mode a window is only emitted once the watermark passes its end.")
                .fix("Allow more lateness (a longer delay in withWatermark) if those rows matter, at the cost of more"
                        + " state and later results; or route late data elsewhere and reconcile it in batch.")
                .numbers("rowsDroppedByWatermark", dropped)
                .build());
    }
}
