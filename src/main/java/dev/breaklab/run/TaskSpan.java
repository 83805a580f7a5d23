package dev.breaklab.run;

/**
 * One task on the timeline; beyond a cap the timeline is a uniform sample.
 *
 * @param phases the task's time split as the Spark UI's event timeline splits it (null while it runs,
 *     and in runs saved before the lab measured phases)
 */
public record TaskSpan(
        int stageId,
        int attemptId,
        int partition,
        String executorId,
        long launchTime,
        long finishTime,
        TaskOutcome status,
        TaskPhases phases) {}
