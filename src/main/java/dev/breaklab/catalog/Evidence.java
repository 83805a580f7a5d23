package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.breaklab.run.RunSnapshot;
import java.util.Set;
import java.util.function.Function;

/**
 * A claim the experiment makes about what Spark does, checked on the run that just happened.
 *
 * @param expectedIn the variants on which the claim should hold
 * @param central whether this is the experiment's main point: it must hold on the broken variant
 *     and not on the fixed one
 * @param check reads the finished run and says whether the claim holds, with the numbers
 */
public record Evidence(
        String id,
        String claim,
        Set<String> expectedIn,
        boolean central,
        @JsonIgnore Function<RunSnapshot, Verdict> check) {

    public Evidence {
        expectedIn = Set.copyOf(expectedIn);
    }

    public static Evidence central(
            String id, String claim, Set<String> expectedIn, Function<RunSnapshot, Verdict> check) {
        return new Evidence(id, claim, expectedIn, true, check);
    }

    public static Evidence of(String id, String claim, Set<String> expectedIn, Function<RunSnapshot, Verdict> check) {
        return new Evidence(id, claim, expectedIn, false, check);
    }

    /**
     * The run failed, and Spark's own error says {@code message}: for lessons whose break is a
     * failure (a result too big for the driver, a broadcast deadline).
     */
    public static Evidence failsWith(String id, String claim, Set<String> expectedIn, String message) {
        return central(id, claim, expectedIn, run -> {
            String error = run.error() == null ? "" : run.error().message();
            boolean failed = run.status() == dev.breaklab.run.RunStatus.FAILED;
            return Verdict.of(
                    failed && error.contains(message),
                    "status %s; Spark's error %s \"%s\"",
                    run.status(),
                    error.contains(message) ? "says" : "does not say",
                    message);
        });
    }

    /** The run succeeded: for the fixed side of a lesson whose break is a failure. */
    public static Evidence succeeds(String id, String claim, Set<String> expectedIn) {
        return of(
                id,
                claim,
                expectedIn,
                run -> Verdict.of(run.status() == dev.breaklab.run.RunStatus.SUCCEEDED, "status %s", run.status()));
    }

    /** The outcome of a check, with the measured figures that decided it. */
    public record Verdict(boolean holds, String measured) {

        public static Verdict of(boolean holds, String format, Object... args) {
            return new Verdict(holds, String.format(java.util.Locale.ROOT, format, args));
        }
    }
}
