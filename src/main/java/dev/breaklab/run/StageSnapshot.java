package dev.breaklab.run;

import java.time.Instant;
import java.util.List;

public record StageSnapshot(
        int stageId,
        int attemptId,
        String name,
        StageStatus status,
        List<Integer> jobIds,
        int numTasks,
        int completedTasks,
        int failedTasks,
        int killedTasks,
        int activeTasks,
        Instant submittedAt,
        Instant completedAt,
        Long durationMs,
        long inputBytes,
        long inputRecords,
        long outputBytes,
        long shuffleReadBytes,
        long shuffleRemoteBytesRead,
        long shuffleReadRecords,
        long shuffleWriteBytes,
        long shuffleWriteRecords,
        long memorySpilledBytes,
        long diskSpilledBytes,
        long gcTimeMs,
        long executorRunTimeMs,
        long peakExecutionMemory,
        Quantiles taskDurationMs,
        Quantiles taskShuffleReadBytes,
        Histogram taskDurationHistogram,
        Histogram taskShuffleReadHistogram,
        List<TaskSummary> slowestTasks,
        String failureReason,
        long resultSizeBytes) {}
