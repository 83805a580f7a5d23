package dev.breaklab.run;

import java.time.Instant;
import java.util.Comparator;

/**
 * Which runs a list shows; a null field does not filter.
 *
 * @param since only runs submitted at or after this instant
 */
public record RunFilter(String experimentId, String variant, RunStatus status, Instant since) {

    public static final RunFilter ALL = new RunFilter(null, null, null, null);

    /** The order of every run list: newest submitted first, then by id (descending) for ties. */
    public static final Comparator<RunSummary> NEWEST_FIRST = Comparator.comparing(
                    RunSummary::submittedAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
            .thenComparing(RunSummary::id)
            .reversed();

    public boolean matches(RunSummary run) {
        return (experimentId == null || experimentId.equals(run.experimentId()))
                && (variant == null || variant.equals(run.variant()))
                && (status == null || status == run.status())
                && (since == null
                        || (run.submittedAt() != null && !run.submittedAt().isBefore(since)));
    }
}
