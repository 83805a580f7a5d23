package dev.breaklab.run;

/** A Spark job as the lab saw it end: Spark's JobSucceeded, or JobFailed (a cancel included). */
public enum JobStatus {
    RUNNING,
    SUCCEEDED,
    FAILED
}
