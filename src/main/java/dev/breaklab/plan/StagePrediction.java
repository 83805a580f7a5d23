package dev.breaklab.plan;

import java.util.List;

/**
 * What a physical plan says Spark will run, before it runs: one stage per exchange boundary plus
 * the result stage, and the jobs that carry them.
 *
 * @param stages the stages the plan implies, result stage first
 * @param jobs jobs without AQE: the action's job, one per broadcast, one per range-partitioning
 *     sample and one per subquery
 * @param adaptive whether the plan is wrapped in {@code AdaptiveSparkPlan}: then AQE may re-plan
 *     at runtime and runs each query stage as a job of its own
 * @param cachedStages stages under caches an earlier action filled: not predicted to run, though
 *     Spark lists them (as skipped)
 */
public record StagePrediction(List<PredictedStage> stages, int jobs, boolean adaptive, int cachedStages) {

    public static final StagePrediction NONE = new StagePrediction(List.of(), 0, false, 0);

    public StagePrediction {
        stages = List.copyOf(stages);
    }

    public int stageCount() {
        return stages.size();
    }

    public long count(Boundary boundary) {
        return stages.stream().filter(s -> s.boundary() == boundary).count();
    }

    /** Why a stage exists: what ends it (where its output goes). */
    public enum Boundary {
        /** The action's last stage: its tasks return or write the result. */
        RESULT,
        /** Writes shuffle files for an {@code Exchange} (hash, round-robin, single partition, range). */
        SHUFFLE,
        /** Collects the build side of a {@code BroadcastExchange} to the driver, in a job of its own. */
        BROADCAST,
        /** Samples the input of a range-partitioned {@code Exchange} (a global sort) to pick bounds. */
        SAMPLE,
        /** The result stage of a subquery, run as a job of its own. */
        SUBQUERY,
        /**
         * Writes shuffle files for a {@code TakeOrderedAndProject} or {@code CollectLimit} that is not
         * the plan's root (under a write, say): executed rather than collected, it moves its rows to one
         * partition through a shuffle of its own, with no {@code Exchange} node in the plan.
         */
        LIMIT_SHUFFLE
    }

    /**
     * @param index 0 for the result stage, then in depth-first order
     * @param boundary what ends the stage
     * @param boundaryOperator the exchange (or root) that ends it, with its arguments
     * @param operators the operators that run inside the stage, top-down (codegen wrappers left out)
     * @param parents the stages whose output this stage reads
     */
    public record PredictedStage(
            int index, Boundary boundary, String boundaryOperator, List<String> operators, List<Integer> parents) {}
}
