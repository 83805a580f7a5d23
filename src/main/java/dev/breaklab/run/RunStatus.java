package dev.breaklab.run;

public enum RunStatus {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    TIMED_OUT;

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }
}
