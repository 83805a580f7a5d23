package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * A claim the experiment makes about what Spark does, checked on the run that just happened. The
 * claim's words are prose in the lesson's text file ({@code claim <id>: ...}, see {@link LessonText}),
 * written in when the definition is built; the check is here, next to the lesson's code.
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

    public static Evidence central(String id, Set<String> expectedIn, Function<RunSnapshot, Verdict> check) {
        return new Evidence(id, null, expectedIn, true, check);
    }

    public static Evidence of(String id, Set<String> expectedIn, Function<RunSnapshot, Verdict> check) {
        return new Evidence(id, null, expectedIn, false, check);
    }

    /**
     * The run failed, and Spark's own error says {@code message}: for lessons whose break is a
     * failure (a result too big for the driver, a broadcast deadline).
     */
    public static Evidence failsWith(String id, Set<String> expectedIn, String message) {
        return central(id, expectedIn, run -> {
            String error = run.error() == null ? "" : run.error().message();
            boolean failed = run.status() == RunStatus.FAILED;
            return Verdict.of(
                    failed && error.contains(message),
                    "status %s; Spark's error %s \"%s\"",
                    run.status(),
                    error.contains(message) ? "says" : "does not say",
                    message);
        });
    }

    /** The run succeeded: for the fixed side of a lesson whose break is a failure. */
    public static Evidence succeeds(String id, Set<String> expectedIn) {
        return of(id, expectedIn, run -> Verdict.of(run.status() == RunStatus.SUCCEEDED, "status %s", run.status()));
    }

    /**
     * The run succeeded and counted every row: its measurement {@code rowsCounted} equals the knob
     * {@code rows}, so a failure Spark recovered from lost and repeated nothing.
     */
    public static Evidence countsEveryRow(String id, Set<String> expectedIn) {
        return of(id, expectedIn, run -> {
            long counted = run.measurement("rowsCounted");
            long rows = RunQueries.knob(run, "rows");
            return Verdict.of(
                    run.status() == RunStatus.SUCCEEDED && counted == rows,
                    "status %s; %d of %d rows counted",
                    run.status(),
                    counted,
                    rows);
        });
    }

    /** The final plan's join operator is {@code join}. */
    public static Evidence joinStrategy(String id, Set<String> expectedIn, String join) {
        return of(id, expectedIn, run -> {
            String actual = RunQueries.joinStrategy(run);
            return Verdict.of(actual.equals(join), "join: %s", actual);
        });
    }

    /** AQE re-planned the join while the query ran: planned as {@code planned}, ran as {@code ran}. */
    public static Evidence joinSwitched(String id, Set<String> expectedIn, String planned, String ran) {
        return of(id, expectedIn, run -> {
            String initial = RunQueries.initialJoinStrategy(run);
            String last = RunQueries.joinStrategy(run);
            return Verdict.of(
                    initial.equals(planned) && last.equals(ran),
                    "planned: %s, ran: %s, AQE plan updates: %d",
                    initial,
                    last,
                    RunQueries.aqeUpdates(run));
        });
    }

    /** AQE split a skewed partition: the final plan has SortMergeJoin(skew=true) over AQEShuffleRead skewed. */
    public static Evidence skewSplit(String id, Set<String> expectedIn) {
        return of(id, expectedIn, run -> {
            boolean split = RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true");
            boolean skewedRead = RunQueries.finalPlanHas(run, "AQEShuffleRead", "skewed");
            return Verdict.of(split && skewedRead, "skew=true: %s, skewed read: %s", split, skewedRead);
        });
    }

    /**
     * AQE coalesced the shuffle partitions: the final plan has {@code AQEShuffleRead coalesced} and
     * the stage that read the most shuffle data ran at most {@code maxTasks} tasks.
     */
    public static Evidence coalesced(String id, Set<String> expectedIn, int maxTasks) {
        return coalescedInto(id, expectedIn, tasks -> tasks <= maxTasks);
    }

    /**
     * AQE coalesced the shuffle partitions ({@code AQEShuffleRead coalesced} in the final plan), and
     * the task count of the stage that read the most shuffle data passes {@code tasks}.
     */
    public static Evidence coalescedInto(String id, Set<String> expectedIn, IntPredicate tasks) {
        return of(id, expectedIn, run -> {
            boolean coalesced = RunQueries.finalPlanHas(run, "AQEShuffleRead", "coalesced");
            StageSnapshot stage = RunQueries.shuffleReadStage(run);
            return Verdict.of(
                    coalesced && tasks.test(stage.numTasks()),
                    "AQEShuffleRead coalesced: %s; stage %d ran %d task(s) reading %s, median %s",
                    yesNo(coalesced),
                    stage.stageId(),
                    stage.numTasks(),
                    Figures.bytes(stage.shuffleReadBytes()),
                    Figures.bytes(stage.taskShuffleReadBytes().p50()));
        });
    }

    /** The same claim, holding only if {@code more} holds too; the measured figures of both are shown. */
    public Evidence and(Function<RunSnapshot, Verdict> more) {
        Function<RunSnapshot, Verdict> first = check;
        return new Evidence(id, claim, expectedIn, central, run -> {
            Verdict a = first.apply(run);
            Verdict b = more.apply(run);
            return new Verdict(a.holds() && b.holds(), a.measured() + "; " + b.measured());
        });
    }

    /** The same claim as this experiment's main point (see {@link #central}). */
    public Evidence asCentral() {
        return new Evidence(id, claim, expectedIn, true, check);
    }

    Evidence withClaim(String claim) {
        return new Evidence(id, claim, expectedIn, central, check);
    }

    /**
     * How unevenly the stage that read the most shuffle data spread it over its tasks: the biggest
     * task's shuffle read over the median task's passes {@code maxOverMedian} (skew: {@code r >= 5};
     * balanced: {@code r < 2}).
     */
    public static Evidence readSkew(String id, Set<String> expectedIn, DoublePredicate maxOverMedian) {
        return of(id, expectedIn, run -> {
            StageSnapshot stage = RunQueries.shuffleReadStage(run);
            double read = stage.taskShuffleReadBytes().maxOverMedian();
            // Durations are reported, not judged: on a busy machine small tasks wait too.
            return Verdict.of(
                    maxOverMedian.test(read),
                    "stage %d: %d tasks, shuffle read max/median %.1fx (%s vs %s), duration max/median %.1fx",
                    stage.stageId(),
                    stage.numTasks(),
                    read,
                    Figures.bytes(stage.taskShuffleReadBytes().max()),
                    Figures.bytes(stage.taskShuffleReadBytes().p50()),
                    stage.taskDurationMs().maxOverMedian());
        });
    }

    /** The final plan has a {@code node} operator marked {@code marker} (e.g. AQEShuffleRead local). */
    public static Evidence finalPlanHas(String id, Set<String> expectedIn, String node, String marker) {
        return of(id, expectedIn, run -> {
            boolean has = RunQueries.finalPlanHas(run, node, marker);
            return Verdict.of(has, "%s %s: %s", node, marker, yesNo(has));
        });
    }

    /** The final plan's {@code node} operator reports its byte-valued SQL {@code metric} above zero. */
    public static Evidence finalMetricAboveZero(String id, Set<String> expectedIn, String node, String metric) {
        return of(id, expectedIn, run -> {
            long value = RunQueries.finalMetric(run, node, metric);
            return Verdict.of(value > 0, "%s %s: %s", node, metric, Figures.bytes(value));
        });
    }

    /** The final plan has exactly {@code count} shuffle Exchanges. */
    public static Evidence exchanges(String id, Set<String> expectedIn, long count) {
        return of(id, expectedIn, run -> {
            long exchanges = RunQueries.exchanges(run);
            return Verdict.of(exchanges == count, "shuffle Exchanges: %d", exchanges);
        });
    }

    /** Exactly {@code count} distinct stages ran (see {@link RunQueries#stagesRun}). */
    public static Evidence stagesRun(String id, Set<String> expectedIn, long count) {
        return of(id, expectedIn, run -> {
            long stages = RunQueries.stagesRun(run);
            return Verdict.of(stages == count, "stages run: %d", stages);
        });
    }

    static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** The outcome of a check, with the measured figures that decided it. */
    public record Verdict(boolean holds, String measured) {

        public static Verdict of(boolean holds, String format, Object... args) {
            return new Verdict(holds, String.format(java.util.Locale.ROOT, format, args));
        }
    }
}
