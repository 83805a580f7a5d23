package dev.breaklab.run;

import java.time.Instant;

/**
 * One executor as this run saw it: the run's tasks on it, and the executor's own life (the run
 * view's lane group per executor, with its added and removed markers). An executor that was up while
 * the run had a job, added or removed between its first job and its end, or that ran one of its
 * tasks, is listed, also with no task of the run.
 *
 * @param host where it ran (null when the lab never saw it added: a run saved before the lab kept it)
 * @param cores its cores as Spark registered it, or null when unknown (a boxed number: a snapshot
 *     stored without it reads back)
 * @param addedAt when Spark added it (possibly long before the run), or null when unknown
 * @param removedAt when Spark removed it between the run's first job and its end, or null
 * @param removedReason Spark's reason for the removal (with the exit code when its process exited,
 *     e.g. "Command exited with code 137"), or null
 */
public record ExecutorSnapshot(
        String executorId,
        long tasks,
        long failedTasks,
        long taskTimeMs,
        long inputBytes,
        long shuffleReadBytes,
        long shuffleWriteBytes,
        long gcTimeMs,
        String host,
        Integer cores,
        Instant addedAt,
        Instant removedAt,
        String removedReason) {}
