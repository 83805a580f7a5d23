package dev.breaklab.run;

/** One task on the timeline; beyond a cap the timeline is a uniform sample. */
public record TaskSpan(
        int stageId,
        int attemptId,
        int partition,
        String executorId,
        long launchTime,
        long finishTime,
        TaskOutcome status) {}
