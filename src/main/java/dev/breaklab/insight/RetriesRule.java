package dev.breaklab.insight;

import dev.breaklab.run.RunStatus;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.run.TaskSummary;
import java.util.List;

/**
 * Retries: failed tasks, stages resubmitted as new attempts, fetch failures and lost executors.
 * Spark hides them behind a successful result; the Spark UI shows "(retry 1)" on a stage and failed
 * tasks in its task table. Killed tasks (cancellation, speculation) are not failures.
 */
record RetriesRule() implements Rule {

    static final String KIND = "retries";

    @Override
    public List<Observation> check(Subject subject) {
        int failedTasks = 0;
        int retriedStages = 0;
        int fetchFailures = 0;
        int executorLosses = 0;
        Integer firstStage = null;
        for (StageSnapshot stage : subject.run().stages()) {
            failedTasks += stage.failedTasks();
            if (stage.attemptId() > 0) {
                retriedStages++;
            }
            String reason = stage.failureReason() == null ? "" : stage.failureReason();
            boolean fetch = reason.contains("FetchFailed");
            boolean lost = reason.contains("ExecutorLost") || reason.contains("lost executor");
            for (TaskSummary task : stage.slowestTasks()) {
                fetch |= task.status() == TaskOutcome.FETCH_FAILED;
                lost |= task.status() == TaskOutcome.EXECUTOR_LOST;
            }
            fetchFailures += fetch ? 1 : 0;
            executorLosses += lost ? 1 : 0;
            if ((stage.failedTasks() > 0 || stage.attemptId() > 0) && firstStage == null) {
                firstStage = stage.stageId();
            }
        }
        if (failedTasks == 0 && retriedStages == 0) {
            return List.of();
        }
        boolean runFailed = subject.run().status() == RunStatus.FAILED;
        String cause = fetchFailures > 0
                ? "A reduce task could not fetch map output (FetchFailed): the executor that wrote it was lost"
                        + " or its shuffle files were removed. Spark then resubmits the map stage as a new attempt"
                        + " to recompute the missing output, and reruns the reduce tasks."
                : executorLosses > 0
                        ? "An executor was lost (crashed, killed, or out of memory): its running tasks failed and"
                                + " ran again elsewhere, and any shuffle output it held must be recomputed."
                        : "Tasks threw errors and Spark retried them (up to spark.task.maxFailures times per task)"
                                + "; each retry repeats the task's work.";
        return List.of(Observation.of(KIND, runFailed ? Severity.CRITICAL : Severity.WARNING)
                .stage(firstStage)
                .summary(
                        "%d failed task(s), %d stage retry(ies)%s%s",
                        failedTasks,
                        retriedStages,
                        fetchFailures > 0 ? ", fetch failures" : "",
                        executorLosses > 0 ? ", lost executor(s)" : "")
                .detail(cause
                        + (runFailed
                                ? " Here the retries did not help and the run failed."
                                : " The run succeeded, but" + " paid for the work twice."))
                .fix(
                        fetchFailures > 0 || executorLosses > 0
                                ? "Keep shuffle output when executors go: enable the external shuffle service"
                                        + " (spark.shuffle.service.enabled) or decommissioning with shuffle migration, and"
                                        + " find why the executor died (for out-of-memory: more partitions or more memory)."
                                : "Read the task error in the failure reason and fix its cause; retries only help with"
                                        + " transient faults.")
                .numbers(
                        "failedTasks", failedTasks,
                        "stageRetries", retriedStages,
                        "stagesWithFetchFailures", fetchFailures,
                        "stagesWithLostExecutors", executorLosses)
                .build());
    }
}
