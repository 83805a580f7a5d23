package dev.breaklab.run;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One micro-batch of a streaming query, as Spark's {@code StreamingQueryProgress} reported it,
 * joined with the Spark jobs and stages that ran for it.
 *
 * @param queryRunId changes on every (re)start of the query; {@code queryId} survives restarts
 *     from the same checkpoint
 * @param watermark the event-time watermark in force for the batch (ISO-8601), or null
 * @param sinkOutputRows rows the sink reported writing, -1 when the sink does not report it
 */
public record BatchSnapshot(
        String queryId,
        String queryRunId,
        String queryName,
        long batchId,
        Instant timestamp,
        long numInputRows,
        double inputRowsPerSecond,
        double processedRowsPerSecond,
        long batchDurationMs,
        Map<String, Long> durationMs,
        String watermark,
        List<StateOperatorSnapshot> stateOperators,
        long sinkOutputRows,
        List<Integer> jobIds,
        List<Integer> stageIds) {

    public long stateRowsTotal() {
        return stateOperators.stream()
                .mapToLong(StateOperatorSnapshot::numRowsTotal)
                .sum();
    }

    public long stateRowsUpdated() {
        return stateOperators.stream()
                .mapToLong(StateOperatorSnapshot::numRowsUpdated)
                .sum();
    }

    public long stateRowsRemoved() {
        return stateOperators.stream()
                .mapToLong(StateOperatorSnapshot::numRowsRemoved)
                .sum();
    }

    public long stateMemoryUsedBytes() {
        return stateOperators.stream()
                .mapToLong(StateOperatorSnapshot::memoryUsedBytes)
                .sum();
    }

    public long rowsDroppedByWatermark() {
        return stateOperators.stream()
                .mapToLong(StateOperatorSnapshot::numRowsDroppedByWatermark)
                .sum();
    }
}
