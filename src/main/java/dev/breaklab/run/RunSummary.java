package dev.breaklab.run;

import java.time.Instant;

/**
 * A run in a list: enough to show, filter and link it. The history stores these fields as columns,
 * so a page of summaries never reads a whole snapshot.
 *
 * @param result the run's result line, or null
 * @param errorClass Spark's error class (or the stop status) when the run did not succeed, or null
 * @param source where the run came from: {@code lab} for a run of the lab's engine, {@code import}
 *     for one replayed from an uploaded event log ({@link RunSnapshot#source})
 */
public record RunSummary(
        String id,
        String experimentId,
        String variant,
        RunStatus status,
        Instant submittedAt,
        Instant finishedAt,
        Long durationMs,
        String result,
        String errorClass,
        String source) {

    public static RunSummary of(RunSnapshot s) {
        return new RunSummary(
                s.id(),
                s.experimentId(),
                s.variant(),
                s.status(),
                s.submittedAt(),
                s.finishedAt(),
                s.durationMs(),
                s.result(),
                s.error() == null ? null : s.error().errorClass(),
                s.source());
    }
}
