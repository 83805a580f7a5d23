package dev.breaklab.insight;

/** How much a finding matters: INFO explains, WARNING costs time, CRITICAL breaks or dominates the run. */
enum Severity {
    INFO,
    WARNING,
    CRITICAL
}
