package dev.breaklab.run;

import java.time.Instant;
import java.util.List;

/**
 * One attempt of one stage, as the run's listener saw it.
 *
 * @param jobIds the jobs that listed this stage (a stage can be shared by jobs)
 * @param parentIds the stages whose shuffle output this stage reads, as Spark's {@code
 *     StageInfo.parentIds} says: the edges of the stage graph (a parent may be a skipped stage whose
 *     output an earlier job already wrote)
 * @param taskPhases where the stage's task time went, summed over its finished tasks (null in a run
 *     saved before the lab measured phases)
 */
public record StageSnapshot(
        int stageId,
        int attemptId,
        String name,
        StageStatus status,
        List<Integer> jobIds,
        List<Integer> parentIds,
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
        long resultSizeBytes,
        TaskPhases taskPhases) {}
