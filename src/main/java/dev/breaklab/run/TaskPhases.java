package dev.breaklab.run;

/**
 * Where tasks' time went, in the phases the Spark UI's task event timeline draws (StagePage): the
 * sum of the seven phases is the tasks' wall time from launch to finish. Computed as Spark's own
 * {@code AppStatusUtils.schedulerDelay} and {@code gettingResultTime} do, so the lab's shares equal
 * the Spark UI's. For one task or summed over a stage's tasks.
 *
 * @param computeMs executor run time minus shuffle fetch wait and shuffle write time: the UI's
 *     "Executor Computing Time"
 * @param cpuMs executor CPU time, inside the run time (a compute phase far above its CPU time waited
 *     on I/O, locks or GC)
 * @param gcMs JVM garbage collection while the tasks ran, inside the run time
 */
public record TaskPhases(
        long schedulerDelayMs,
        long deserializeMs,
        long shuffleFetchWaitMs,
        long computeMs,
        long shuffleWriteMs,
        long resultSerializationMs,
        long gettingResultMs,
        long cpuMs,
        long gcMs) {

    public static final TaskPhases NONE = new TaskPhases(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * One finished task's phases from Spark's task info and metrics, as the Spark UI splits them.
     *
     * @param resultFetchStart {@code TaskInfo.gettingResultTime}: when the driver started fetching an
     *     indirect result, 0 when the result came with the status update
     * @param shuffleWriteNanos {@code ShuffleWriteMetrics.writeTime}, which Spark counts in nanoseconds
     * @param cpuNanos {@code TaskMetrics.executorCpuTime}, in nanoseconds
     */
    public static TaskPhases ofTask(
            long launchTime,
            long finishTime,
            long resultFetchStart,
            long deserializeMs,
            long runTimeMs,
            long fetchWaitMs,
            long shuffleWriteNanos,
            long resultSerializationMs,
            long cpuNanos,
            long gcMs) {
        long duration = finishTime > 0 ? Math.max(0, finishTime - launchTime) : 0;
        long gettingResult = resultFetchStart > 0 && finishTime > 0 ? Math.max(0, finishTime - resultFetchStart) : 0;
        long writeMs = shuffleWriteNanos / 1_000_000;
        long schedulerDelay = Math.max(0, duration - runTimeMs - deserializeMs - resultSerializationMs - gettingResult);
        long compute = Math.max(0, runTimeMs - fetchWaitMs - writeMs);
        return new TaskPhases(
                schedulerDelay,
                deserializeMs,
                fetchWaitMs,
                compute,
                writeMs,
                resultSerializationMs,
                gettingResult,
                cpuNanos / 1_000_000,
                gcMs);
    }

    public TaskPhases plus(TaskPhases other) {
        return new TaskPhases(
                schedulerDelayMs + other.schedulerDelayMs,
                deserializeMs + other.deserializeMs,
                shuffleFetchWaitMs + other.shuffleFetchWaitMs,
                computeMs + other.computeMs,
                shuffleWriteMs + other.shuffleWriteMs,
                resultSerializationMs + other.resultSerializationMs,
                gettingResultMs + other.gettingResultMs,
                cpuMs + other.cpuMs,
                gcMs + other.gcMs);
    }

    /** The seven phases' sum: the tasks' time from launch to finish. */
    public long totalMs() {
        long total = 0;
        for (TaskPhase phase : TaskPhase.values()) {
            total += phase.of(this);
        }
        return total;
    }

    /** The phase's part of the tasks' time, 0 to 1; 0 when no time was measured. */
    public double share(TaskPhase phase) {
        long total = totalMs();
        return total == 0 ? 0 : (double) phase.of(this) / total;
    }
}
