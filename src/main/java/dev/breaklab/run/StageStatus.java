package dev.breaklab.run;

public enum StageStatus {
    PENDING,
    ACTIVE,
    COMPLETE,
    FAILED,
    SKIPPED
}
