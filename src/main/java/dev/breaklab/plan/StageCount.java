package dev.breaklab.plan;

import java.util.List;

/**
 * The stage prediction beside what Spark actually ran, and why they differ.
 *
 * @param predictedStages stages the initial physical plans imply (all SQL executions of the run)
 * @param predictedJobs jobs they imply without AQE
 * @param stagesRun distinct stages that ran (completed or failed; retries count once)
 * @param stagesSkipped stages a job listed but never ran: their shuffle output already existed
 * @param stageAttempts stage attempts that ran, retries included
 * @param jobs jobs Spark ran for the run
 * @param differences each reason the numbers differ, with its share of the difference
 * @param matches whether the prediction equals the stages run
 * @param explained whether the named differences account for every stage of the difference
 * @param executions the prediction per SQL execution, stage by stage
 */
public record StageCount(
        int predictedStages,
        int predictedJobs,
        int stagesRun,
        int stagesSkipped,
        int stageAttempts,
        int jobs,
        List<Difference> differences,
        boolean matches,
        boolean explained,
        List<StagePrediction> executions) {

    public StageCount {
        differences = List.copyOf(differences);
        executions = List.copyOf(executions);
    }

    /**
     * @param stages how many stages this reason adds to (positive) or removes from (negative) the
     *     prediction
     * @param jobs the same for jobs
     */
    public record Difference(Reason reason, int stages, int jobs, String explanation) {}

    public boolean has(Reason reason) {
        return differences.stream().anyMatch(d -> d.reason() == reason);
    }

    /** The closed set of reasons the lab knows for a prediction to differ from the run. */
    public enum Reason {
        /** AQE runs each query stage (every shuffle and broadcast) as a job of its own. */
        AQE_QUERY_STAGE_JOBS,
        /** AQE re-planned a join into a broadcast join at runtime: the broadcast is a new stage. */
        AQE_ADDED_BROADCAST,
        /** AQE re-planned a broadcast away. */
        AQE_REMOVED_BROADCAST,
        /** AQE's re-plan added a shuffle (e.g. a forced skew split under a later aggregation). */
        AQE_ADDED_SHUFFLE,
        /** AQE's re-plan removed a shuffle before it ran (e.g. an empty side, a local read). */
        AQE_REMOVED_SHUFFLE,
        /**
         * A broadcast or shuffle AQE dropped from the final plan had already run: AQE learns a side
         * is empty from its query stage's output, then re-plans without it.
         */
        AQE_DROPPED_AFTER_RUNNING,
        /** A job listed stages whose shuffle output already existed, so Spark skipped them. */
        SKIPPED_STAGES,
        /** Stages under a cache an earlier action filled: listed by the job, skipped, never predicted. */
        CACHED,
        /**
         * Shuffle stages below a global sort: its sampling job runs them first, then the sort's own job
         * lists them again and Spark skips them (without AQE), as predicted.
         */
        SAMPLED_FIRST,
        /** Jobs outside any SQL execution (the RDD API): no physical plan to predict from. */
        NON_SQL_JOBS,
        /**
         * A {@code TakeOrderedAndProject} or {@code CollectLimit} below the root found one input
         * partition (AQE coalesced it, or one file): it took its rows without its own shuffle.
         */
        LIMIT_WITHOUT_SHUFFLE,
        /** A limit collected incrementally: Spark ran more jobs over more partitions until it had enough rows. */
        INCREMENTAL_TAKE,
        /** The run failed or was stopped before every planned stage ran. */
        STOPPED_EARLY,
        /** A difference none of the above accounts for. */
        UNEXPLAINED
    }
}
