package dev.breaklab.insight;

import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.Severity;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A streaming query that cannot keep up: after its first batch, rows arrive faster than the query
 * processes them ("inputRowsPerSecond" over "processedRowsPerSecond"), so each batch is bigger and
 * later than the last.
 */
record StreamBacklogRule() implements Rule {

    static final String KIND = "stream-falling-behind";

    /** Input over processing rate from which the query is falling behind. */
    private static final double MARGIN = 1.2;

    @Override
    public List<Observation> check(Subject subject) {
        List<BatchSnapshot> batches = subject.run().batches();
        if (batches.size() < 2) {
            return List.of();
        }
        // Each query's (and each restart's) first batch has no input rate: nothing came before it.
        Set<String> started = new HashSet<>();
        List<BatchSnapshot> steady = batches.stream()
                .filter(b -> !started.add(b.queryRunId()))
                .filter(b -> b.numInputRows() > 0)
                .toList();
        if (steady.isEmpty()) {
            return List.of();
        }
        double input = steady.stream()
                .mapToDouble(BatchSnapshot::inputRowsPerSecond)
                .average()
                .orElse(0);
        double processed = steady.stream()
                .mapToDouble(BatchSnapshot::processedRowsPerSecond)
                .average()
                .orElse(0);
        if (processed <= 0 || input < MARGIN * processed) {
            return List.of();
        }
        long longest =
                steady.stream().mapToLong(BatchSnapshot::batchDurationMs).max().orElse(0);
        return List.of(Observation.of(KIND, Severity.WARNING)
                .summary("The stream falls behind: %,.0f rows/s arrive, %,.0f rows/s are processed", input, processed)
                .detail("Each micro-batch takes whatever arrived since the last one. When rows arrive faster than a"
                        + " batch can process them, the next batch is larger, takes longer, and the backlog (and"
                        + " the end-to-end latency) grows without bound.")
                .fix("Add capacity: more cores or partitions for the slow stage, or cheaper per-row work. A per-batch"
                        + " cap (maxOffsetsPerTrigger for Kafka, maxFilesPerTrigger or maxBytesPerTrigger for files)"
                        + " keeps batches stable and protects the first batch after downtime, but under sustained"
                        + " overload the backlog then waits in the source instead, where these rates do not show it.")
                .numbers(
                        "inputRowsPerSecond", Math.round(input),
                        "processedRowsPerSecond", Math.round(processed),
                        "longestBatchMs", longest,
                        "batches", batches.size())
                .build());
    }
}
