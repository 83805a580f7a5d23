package dev.breaklab.run;

/** How much a finding matters: INFO explains, WARNING costs time, CRITICAL breaks or dominates the run. */
public enum Severity {
    INFO,
    WARNING,
    CRITICAL
}
