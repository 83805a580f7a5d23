package dev.breaklab.run;

public record ExecutorSnapshot(
        String executorId,
        long tasks,
        long failedTasks,
        long taskTimeMs,
        long inputBytes,
        long shuffleReadBytes,
        long shuffleWriteBytes,
        long gcTimeMs) {}
