package dev.breaklab.plan;

import dev.breaklab.plan.StageCount.Difference;
import dev.breaklab.plan.StageCount.Reason;
import dev.breaklab.plan.StagePrediction.Boundary;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Puts the stage prediction beside what Spark ran and names each reason they differ. Without
 * AQE the plan is the whole truth; with AQE the final plan says what the re-planning changed.
 */
public final class StageReconciler {

    private StageReconciler() {}

    /** One SQL execution: the plan Spark started with and the last one it reported. */
    public record Execution(PlanNode initial, PlanNode last) {}

    /**
     * What Spark ran, from the run's jobs and stages.
     *
     * @param stagesSkippedByAqe skipped stages listed by the jobs of adaptive executions: AQE's later
     *     jobs list the query stages that already ran again, and Spark reports them as skipped
     * @param nonSqlStagesRun stages of jobs that belong to no SQL execution
     * @param stoppedEarly the run failed, was stopped, or is still running
     */
    public record Actual(
            int jobs,
            int stagesRun,
            int stagesSkipped,
            int stagesSkippedByAqe,
            int stageAttempts,
            int nonSqlStagesRun,
            int nonSqlJobs,
            boolean stoppedEarly) {}

    public static StageCount reconcile(List<Execution> executions, Actual actual) {
        List<StagePrediction> predictions = new ArrayList<>();
        int predicted = 0;
        int predictedJobs = 0;
        int shuffleDelta = 0;
        int broadcastDelta = 0;
        int queryStageJobs = 0;
        int cached = 0;
        int sampledFirst = 0;
        int limitShuffles = 0;
        boolean take = false;
        Set<String> warm = new HashSet<>();
        for (Execution execution : executions) {
            // Caches filled by earlier actions of the run are warm for this one.
            Set<String> filled = Set.copyOf(warm);
            StagePrediction initial = StagePredictor.predict(execution.initial(), filled);
            warm.addAll(StagePredictor.cachedRelations(execution.initial()));
            predictions.add(initial);
            predicted += initial.stageCount();
            cached += initial.cachedStages();
            if (!initial.adaptive()) {
                sampledFirst += sampledFirst(initial);
            }
            predictedJobs += initial.jobs();
            if (initial.adaptive() && execution.last() != null) {
                StagePrediction last = StagePredictor.predict(execution.last(), filled);
                // A part of the plan AQE dropped (a side found empty) takes its shuffles, a global
                // sort's sampling, a limit's own shuffle and its subqueries with it.
                shuffleDelta += (int) (last.count(Boundary.SHUFFLE)
                        + last.count(Boundary.SAMPLE)
                        + last.count(Boundary.LIMIT_SHUFFLE)
                        + last.count(Boundary.SUBQUERY)
                        - initial.count(Boundary.SHUFFLE)
                        - initial.count(Boundary.SAMPLE)
                        - initial.count(Boundary.LIMIT_SHUFFLE)
                        - initial.count(Boundary.SUBQUERY));
                limitShuffles += (int) last.count(Boundary.LIMIT_SHUFFLE);
                broadcastDelta += (int) (last.count(Boundary.BROADCAST) - initial.count(Boundary.BROADCAST));
                queryStageJobs += (int) last.count(Boundary.SHUFFLE);
            } else {
                limitShuffles += (int) initial.count(Boundary.LIMIT_SHUFFLE);
            }
            take |= execution.initial() != null && top(execution.initial()).named("CollectLimit");
        }

        List<Difference> differences = new ArrayList<>();
        int accounted = predicted;
        if (queryStageJobs > 0) {
            differences.add(new Difference(
                    Reason.AQE_QUERY_STAGE_JOBS,
                    0,
                    queryStageJobs,
                    "AQE materialises each query stage in a job of its own before planning the rest: "
                            + queryStageJobs + " shuffle stage(s) ran as separate jobs, so Spark reports more"
                            + " jobs than the plan suggests; the stages are the same"
                            + (actual.stagesSkippedByAqe() > 0
                                    ? ", and the later jobs list the stages that already ran again, which the"
                                            + " Spark UI shows as " + actual.stagesSkippedByAqe() + " skipped stage(s)."
                                    : ".")));
        }
        if (broadcastDelta != 0) {
            differences.add(aqeChange(
                    broadcastDelta,
                    Reason.AQE_ADDED_BROADCAST,
                    Reason.AQE_REMOVED_BROADCAST,
                    broadcastDelta > 0
                            ? "AQE saw a join side's real (post-shuffle) size under the broadcast threshold and"
                                    + " switched to a broadcast join: collecting and broadcasting that side is "
                                    + broadcastDelta + " extra stage(s) and job(s)."
                            : "AQE's re-plan no longer needs " + -broadcastDelta + " broadcast(s)."));
            accounted += broadcastDelta;
        }
        if (shuffleDelta != 0) {
            differences.add(aqeChange(
                    shuffleDelta,
                    Reason.AQE_ADDED_SHUFFLE,
                    Reason.AQE_REMOVED_SHUFFLE,
                    shuffleDelta > 0
                            ? "AQE's re-plan added " + shuffleDelta + " shuffle(s), each a stage more than planned."
                            : "AQE's re-plan dropped " + -shuffleDelta
                                    + " planned shuffle stage(s) (with a global sort's sampling or a subquery)"
                                    + " before they ran (for example a side found empty)."));
            accounted += shuffleDelta;
        }
        int skipped = actual.stagesSkipped() - actual.stagesSkippedByAqe();
        int cacheSkips = Math.min(skipped, cached);
        if (cacheSkips > 0) {
            differences.add(new Difference(
                    Reason.CACHED,
                    0,
                    0,
                    cacheSkips + " stage(s) compute a cache an earlier action already filled: Spark lists them"
                            + " and skips them, as predicted."));
            skipped -= cacheSkips;
        }
        int sampleSkips = Math.min(skipped, sampledFirst);
        if (sampleSkips > 0) {
            differences.add(new Difference(
                    Reason.SAMPLED_FIRST,
                    0,
                    0,
                    sampleSkips + " shuffle stage(s) below a global sort ran in its sampling job (which picks"
                            + " the range bounds); the sort's own job lists them again and Spark skips them, as"
                            + " predicted."));
            skipped -= sampleSkips;
        }
        if (skipped > 0) {
            differences.add(new Difference(
                    Reason.SKIPPED_STAGES,
                    -skipped,
                    0,
                    skipped + " stage(s) were skipped: a job needed their shuffle output, but it already existed"
                            + " from an earlier job (or a cache), so Spark did not run them again."));
            accounted -= skipped;
        }
        if (actual.nonSqlStagesRun() > 0 || actual.nonSqlJobs() > 0) {
            differences.add(new Difference(
                    Reason.NON_SQL_JOBS,
                    actual.nonSqlStagesRun(),
                    actual.nonSqlJobs(),
                    actual.nonSqlJobs() + " job(s) with " + actual.nonSqlStagesRun()
                            + " stage(s) ran outside any SQL execution (RDD API): there is no physical plan to"
                            + " predict them from; each shuffle in the RDD lineage is a stage boundary."));
            accounted += actual.nonSqlStagesRun();
        }
        int residual = actual.stagesRun() - accounted;
        if (residual > 0 && take) {
            differences.add(new Difference(
                    Reason.INCREMENTAL_TAKE,
                    residual,
                    residual,
                    "The limit collected incrementally: Spark scanned a few partitions, then more, each scan"
                            + " a job with a stage of its own, until it had enough rows."));
            accounted += residual;
        }
        residual = actual.stagesRun() - accounted;
        int dropped = -Math.min(0, broadcastDelta) - Math.min(0, shuffleDelta);
        if (residual > 0 && dropped > 0) {
            // AQE learns that a side is empty by running it: the stage ran, then the re-plan dropped it.
            int ranFirst = Math.min(residual, dropped);
            differences.add(new Difference(
                    Reason.AQE_DROPPED_AFTER_RUNNING,
                    ranFirst,
                    0,
                    ranFirst + " stage(s) AQE dropped from the final plan ran first: AQE learns that a side is"
                            + " empty (or small) from the query stage's output, then re-plans without it."));
            accounted += ranFirst;
        }
        residual = actual.stagesRun() - accounted;
        if (residual < 0 && limitShuffles > 0) {
            int unshuffled = Math.min(-residual, limitShuffles);
            differences.add(new Difference(
                    Reason.LIMIT_WITHOUT_SHUFFLE,
                    -unshuffled,
                    0,
                    unshuffled + " TakeOrderedAndProject/CollectLimit read a single partition (AQE coalesced"
                            + " its input, or the input was one file), so it took its rows without the shuffle"
                            + " the plan implied."));
            accounted -= unshuffled;
        }
        residual = actual.stagesRun() - accounted;
        if (residual < 0 && actual.stoppedEarly()) {
            differences.add(new Difference(
                    Reason.STOPPED_EARLY,
                    residual,
                    0,
                    "The run stopped (or has not yet finished) before " + -residual + " planned stage(s) ran."));
            accounted += residual;
        }
        residual = actual.stagesRun() - accounted;
        if (residual != 0) {
            differences.add(new Difference(
                    Reason.UNEXPLAINED,
                    residual,
                    0,
                    "Spark ran " + actual.stagesRun() + " stage(s); the plan and the reasons above account for "
                            + accounted + "."));
        }
        return new StageCount(
                predicted,
                predictedJobs,
                actual.stagesRun(),
                actual.stagesSkipped(),
                actual.stageAttempts(),
                actual.jobs(),
                differences,
                predicted == actual.stagesRun(),
                residual == 0,
                predictions);
    }

    /**
     * Shuffle stages a global sort's sampling job runs before the sort's own job: the shuffle map
     * stages under each range-partitioned exchange, up to the next job boundary (a broadcast or a
     * subquery runs in a job of its own). Counted once however many sorts reach them.
     */
    static int sampledFirst(StagePrediction prediction) {
        List<StagePrediction.PredictedStage> stages = prediction.stages();
        Set<Integer> reached = new HashSet<>();
        for (StagePrediction.PredictedStage stage : stages) {
            if (stage.boundary() == Boundary.SHUFFLE
                    && stage.boundaryOperator() != null
                    && stage.boundaryOperator().contains("rangepartitioning")) {
                List<Integer> todo = new ArrayList<>(stage.parents());
                while (!todo.isEmpty()) {
                    StagePrediction.PredictedStage below = stages.get(todo.remove(todo.size() - 1));
                    if ((below.boundary() == Boundary.SHUFFLE || below.boundary() == Boundary.LIMIT_SHUFFLE)
                            && reached.add(below.index())) {
                        todo.addAll(below.parents());
                    }
                }
            }
        }
        return reached.size();
    }

    private static PlanNode top(PlanNode plan) {
        PlanNode top = plan;
        while (top.named("AdaptiveSparkPlan") && top.children().size() == 1) {
            top = top.children().get(0);
        }
        return top;
    }

    /** What AQE's re-plan added ({@code delta > 0}) or removed, as many stages and jobs as {@code delta}. */
    private static Difference aqeChange(int delta, Reason added, Reason removed, String why) {
        return new Difference(delta > 0 ? added : removed, delta, delta, why);
    }
}
