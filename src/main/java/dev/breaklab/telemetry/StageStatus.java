package dev.breaklab.telemetry;

public enum StageStatus {
    PENDING,
    ACTIVE,
    COMPLETE,
    FAILED,
    SKIPPED
}
