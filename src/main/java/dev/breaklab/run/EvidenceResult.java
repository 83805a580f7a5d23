package dev.breaklab.run;

/**
 * A lesson's claim checked on one run.
 *
 * @param expected whether the lesson says the claim holds on this run's variant
 * @param measured the figures that decided it
 * @param error why the claim could not be measured on this run (its check failed), else null: a
 *     defect of the lesson, never a verdict
 */
public record EvidenceResult(String id, String claim, boolean expected, boolean holds, String measured, String error) {}
