package dev.breaklab.run;

public record TaskSummary(
        long taskId, int partition, String executorId, long durationMs, long shuffleReadBytes, TaskOutcome status) {}
