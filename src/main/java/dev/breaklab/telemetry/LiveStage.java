package dev.breaklab.telemetry;

import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.TaskPhases;
import dev.breaklab.run.TaskSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** Mutable state of one stage attempt; updated in O(1) per task by the listener thread. */
final class LiveStage {

    static final int SLOWEST_KEPT = 10;
    private static final int HISTOGRAM_BINS = 20;

    final int stageId;
    final int attemptId;
    String name;
    int numTasks;
    StageStatus status = StageStatus.PENDING;
    final List<Integer> jobIds = new ArrayList<>(2);
    /** Spark's StageInfo.parentIds: the stages whose shuffle output this one reads. */
    final List<Integer> parentIds;

    int completedTasks;
    int failedTasks;
    int killedTasks;
    int activeTasks;
    long submittedAt;
    long completedAt;
    String failureReason;

    long inputBytes;
    long inputRecords;
    long outputBytes;
    long shuffleReadBytes;
    long shuffleRemoteBytesRead;
    long shuffleReadRecords;
    long shuffleWriteBytes;
    long shuffleWriteRecords;
    long memorySpilledBytes;
    long diskSpilledBytes;
    long gcTimeMs;
    long executorRunTimeMs;
    long peakExecutionMemory;
    /** Serialized task results sent to the driver: what spark.driver.maxResultSize limits. */
    long resultSizeBytes;
    /** Summed over finished tasks; one allocation per task, like the task's own span. */
    TaskPhases taskPhases = TaskPhases.NONE;

    final ValueDistribution taskDurations = new ValueDistribution();
    final ValueDistribution taskShuffleReads = new ValueDistribution();
    private final PriorityQueue<TaskSummary> slowest =
            new PriorityQueue<>(SLOWEST_KEPT + 1, Comparator.comparingLong(TaskSummary::durationMs));

    LiveStage(int stageId, int attemptId, String name, int numTasks, List<Integer> parentIds) {
        this.stageId = stageId;
        this.attemptId = attemptId;
        this.name = name;
        this.numTasks = numTasks;
        this.parentIds = List.copyOf(parentIds);
    }

    void addJob(int jobId) {
        if (!jobIds.contains(jobId)) {
            jobIds.add(jobId);
        }
    }

    /** Keeps the slowest tasks: a bounded min-heap, O(log 10) per task. */
    void offerSlowest(TaskSummary task) {
        if (slowest.size() < SLOWEST_KEPT) {
            slowest.add(task);
        } else if (task.durationMs() > slowest.peek().durationMs()) {
            slowest.poll();
            slowest.add(task);
        }
    }

    StageSnapshot snapshot() {
        List<TaskSummary> top = new ArrayList<>(slowest);
        top.sort(Comparator.comparingLong(TaskSummary::durationMs).reversed());
        Long duration = submittedAt > 0 && completedAt > 0 ? completedAt - submittedAt : null;
        return new StageSnapshot(
                stageId,
                attemptId,
                name,
                status,
                List.copyOf(jobIds),
                parentIds,
                numTasks,
                completedTasks,
                failedTasks,
                killedTasks,
                activeTasks,
                submittedAt > 0 ? Instant.ofEpochMilli(submittedAt) : null,
                completedAt > 0 ? Instant.ofEpochMilli(completedAt) : null,
                duration,
                inputBytes,
                inputRecords,
                outputBytes,
                shuffleReadBytes,
                shuffleRemoteBytesRead,
                shuffleReadRecords,
                shuffleWriteBytes,
                shuffleWriteRecords,
                memorySpilledBytes,
                diskSpilledBytes,
                gcTimeMs,
                executorRunTimeMs,
                peakExecutionMemory,
                taskDurations.quantiles(),
                taskShuffleReads.quantiles(),
                taskDurations.histogram(HISTOGRAM_BINS),
                taskShuffleReads.histogram(HISTOGRAM_BINS),
                List.copyOf(top),
                failureReason,
                resultSizeBytes,
                taskPhases);
    }
}
