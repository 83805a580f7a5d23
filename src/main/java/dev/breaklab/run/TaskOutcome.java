package dev.breaklab.run;

/**
 * How a task attempt ended, from Spark's {@code TaskEndReason}. A denied commit counts as a kill, as
 * in Spark's own status store.
 */
public enum TaskOutcome {
    SUCCESS,
    KILLED,
    FAILED,
    FETCH_FAILED,
    EXECUTOR_LOST,
    RESUBMITTED;

    public boolean succeeded() {
        return this == SUCCESS;
    }
}
