package dev.breaklab.catalog;

import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** Prediction questions that many lessons ask, worded and answered the same way everywhere. */
public final class Questions {

    private Questions() {}

    /** "Which join operator will the final plan use?" among {@code choices}. */
    public static Question joinStrategy(String... choices) {
        return Question.choice(
                "join-strategy",
                "Which join operator will the final plan use?",
                List.of(choices),
                RunQueries::joinStrategy);
    }

    /** {@link #joinStrategy} among all five of Spark's join operators, for lessons where any could win. */
    public static Question anyJoinStrategy() {
        return joinStrategy(
                "BroadcastHashJoin",
                "SortMergeJoin",
                "ShuffledHashJoin",
                "BroadcastNestedLoopJoin",
                "CartesianProduct");
    }

    /** "How many stages will run?": distinct stages with a completed or failed attempt. */
    public static Question stagesRun() {
        return Question.number("stages", "How many stages will run?", RunQueries::stagesRun);
    }

    /** "How many Spark jobs will the query run?" */
    public static Question jobs() {
        return Question.number("jobs", "How many Spark jobs will the query run?", run -> run.jobs()
                .size());
    }

    /** "How many shuffle Exchanges will the final plan have?" */
    public static Question exchanges() {
        return Question.number(
                "exchanges", "How many shuffle Exchanges will the final plan have?", RunQueries::exchanges);
    }

    /** "Will the join in the final plan differ from the one Spark planned first?" */
    public static Question joinSwitches() {
        return yesNo(
                "aqe-switch",
                "Will the join in the final plan differ from the one Spark planned first?",
                run -> !RunQueries.initialJoinStrategy(run).equals(RunQueries.joinStrategy(run)));
    }

    /** "Will AQE coalesce the shuffle partitions?": the final plan has {@code AQEShuffleRead coalesced}. */
    public static Question aqeCoalesces() {
        return Questions.yesNo(
                "aqe-coalesce",
                "Will AQE coalesce the shuffle partitions?",
                run -> RunQueries.finalPlanHas(run, "AQEShuffleRead", "coalesced"));
    }

    /** "Will Spark split the skewed partition?": the final plan has {@code SortMergeJoin(skew=true)}. */
    public static Question skewSplit() {
        return Questions.yesNo(
                "skew-split",
                "Will Spark split the skewed partition?",
                run -> RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true"));
    }

    /**
     * A lesson's own yes-or-no question, answered "yes" when {@code holds} is true of the run; its words
     * are in the lesson's text file.
     */
    public static Question yesNo(String id, Predicate<RunSnapshot> holds) {
        return yesNo(id, null, holds);
    }

    /** A yes-or-no question with its words (the shared vocabulary, the playground). */
    public static Question yesNo(String id, String text, Predicate<RunSnapshot> holds) {
        return Question.choice(id, text, List.of("yes", "no"), run -> holds.test(run) ? "yes" : "no");
    }

    /** "How many tasks will the {@code what} stage run?", answered by {@code stage}. */
    public static Question tasks(String id, String what, Function<dev.breaklab.run.RunSnapshot, StageSnapshot> stage) {
        return Question.number(id, "How many tasks will the " + what + " stage run?", run -> stage.apply(run)
                .numTasks());
    }

    /**
     * "How many times the median will the biggest task of the {@code what} stage read?": the
     * max/median of per-task shuffle read in the stage that read the most shuffle data, rounded.
     */
    public static Question readRatio(String what) {
        return Question.number(
                "read-ratio",
                "How many times the median shuffle data will the biggest task of the " + what
                        + " stage read (rounded)?",
                run -> Math.round(
                        RunQueries.shuffleReadStage(run).taskShuffleReadBytes().maxOverMedian()));
    }

    /** "Will the run succeed or fail?", answered by the run's final status. */
    public static Question outcome() {
        return outcome("Will the run succeed or fail?");
    }

    /** "Will it succeed or fail?" in the lesson's words, answered by the run's final status. */
    public static Question outcome(String text) {
        return Question.outcome(text);
    }
}
