package dev.breaklab.telemetry;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.StageCount;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the lab knows about one run at one moment. Immutable: built from the live state at
 * most every 100 ms and whenever the status changes; web and insight code only ever see this.
 */
public record RunSnapshot(
        String id,
        String experimentId,
        String variant,
        String description,
        Map<String, Object> knobs,
        Map<String, String> conf,
        RunStatus status,
        Instant submittedAt,
        Instant startedAt,
        Instant finishedAt,
        Long durationMs,
        RunError error,
        String result,
        List<JobSnapshot> jobs,
        List<StageSnapshot> stages,
        List<SqlSnapshot> sql,
        List<ExecutorSnapshot> executors,
        List<TaskSpan> timeline,
        List<EvidenceResult> evidence,
        List<Finding> findings,
        List<PredictionResult> predictions,
        List<BatchSnapshot> batches,
        List<StreamQuerySnapshot> queries,
        Map<String, Long> measurements,
        StageCount stagePrediction) {

    public record RunError(String errorClass, String message) {}

    public record JobSnapshot(
            int jobId,
            String status,
            List<Integer> stageIds,
            Long sqlExecutionId,
            Instant submittedAt,
            Instant completedAt) {}

    /** Five-number summary of a per-task value. */
    public record Quantiles(long count, long min, long p25, long p50, long p75, long max) {
        public static final Quantiles EMPTY = new Quantiles(0, 0, 0, 0, 0, 0);

        /** max/median, the lab's straggler ratio; 0 without tasks. */
        public double maxOverMedian() {
            return count == 0 ? 0 : (double) max / Math.max(1, p50);
        }
    }

    public record Histogram(List<Bin> bins) {
        public record Bin(long from, long to, long count) {}
    }

    public record TaskSummary(
            long taskId, int partition, String executorId, long durationMs, long shuffleReadBytes, String status) {}

    public record StageSnapshot(
            int stageId,
            int attemptId,
            String name,
            StageStatus status,
            List<Integer> jobIds,
            int numTasks,
            int completedTasks,
            int failedTasks,
            int killedTasks,
            int activeTasks,
            Instant submittedAt,
            Instant completedAt,
            Long durationMs,
            long inputBytes,
            long inputRecords,
            long outputBytes,
            long shuffleReadBytes,
            long shuffleRemoteBytesRead,
            long shuffleReadRecords,
            long shuffleWriteBytes,
            long shuffleWriteRecords,
            long memorySpilledBytes,
            long diskSpilledBytes,
            long gcTimeMs,
            long executorRunTimeMs,
            long peakExecutionMemory,
            Quantiles taskDurationMs,
            Quantiles taskShuffleReadBytes,
            Histogram taskDurationHistogram,
            Histogram taskShuffleReadHistogram,
            List<TaskSummary> slowestTasks,
            String failureReason,
            long resultSizeBytes) {}

    public record ExecutorSnapshot(
            String executorId,
            long tasks,
            long failedTasks,
            long taskTimeMs,
            long inputBytes,
            long shuffleReadBytes,
            long shuffleWriteBytes,
            long gcTimeMs) {}

    /** One task on the timeline; beyond a cap the timeline is a uniform sample. */
    public record TaskSpan(
            int stageId,
            int attemptId,
            int partition,
            String executorId,
            long launchTime,
            long finishTime,
            String status) {}

    public enum PlanCause {
        INITIAL,
        AQE_UPDATE,
        FINAL
    }

    public record PlanVersion(int version, PlanCause cause, Instant at, PlanNode tree, String text) {}

    public record LogicalPlans(String parsed, String analyzed, String optimized) {}

    public record SqlSnapshot(
            long executionId,
            String description,
            Instant startedAt,
            Instant finishedAt,
            List<PlanVersion> plans,
            LogicalPlans logical) {

        public Optional<PlanVersion> finalPlan() {
            return plans.isEmpty() ? Optional.empty() : Optional.of(plans.get(plans.size() - 1));
        }
    }

    public record EvidenceResult(String id, String claim, boolean expected, boolean holds, String measured) {}

    /**
     * What the diagnosis sees on the run (see insight/).
     *
     * @param severity {@code INFO}, {@code WARNING} or {@code CRITICAL}
     * @param fix the fix to try, in words
     * @param operator the plan operator the finding points at, when it is about one
     * @param numbers the measured figures behind it, by name, in the order they read best
     * @param action the fix as a run to submit: a variant of the same experiment and knob values
     */
    public record Finding(
            String kind,
            String severity,
            Integer stageId,
            String summary,
            String detail,
            String fix,
            String operator,
            Map<String, Object> numbers,
            FixAction action) {}

    /**
     * A fix the run view can offer in one click: {@code POST /api/runs} with this experiment,
     * {@code variant} and {@code knobs}. {@code conf} shows the Spark settings the fix changes.
     */
    public record FixAction(String variant, Map<String, Object> knobs, Map<String, String> conf) {}

    public record PredictionResult(String questionId, String question, String answer, String actual, Boolean correct) {}

    /**
     * One micro-batch of a streaming query, as Spark's {@code StreamingQueryProgress} reported it,
     * joined with the Spark jobs and stages that ran for it.
     *
     * @param queryRunId changes on every (re)start of the query; {@code queryId} survives restarts
     *     from the same checkpoint
     * @param watermark the event-time watermark in force for the batch (ISO-8601), or null
     * @param sinkOutputRows rows the sink reported writing, -1 when the sink does not report it
     */
    public record BatchSnapshot(
            String queryId,
            String queryRunId,
            String queryName,
            long batchId,
            Instant timestamp,
            long numInputRows,
            double inputRowsPerSecond,
            double processedRowsPerSecond,
            long batchDurationMs,
            Map<String, Long> durationMs,
            String watermark,
            List<StateOperatorSnapshot> stateOperators,
            long sinkOutputRows,
            List<Integer> jobIds,
            List<Integer> stageIds) {

        public long stateRowsTotal() {
            return stateOperators.stream()
                    .mapToLong(StateOperatorSnapshot::numRowsTotal)
                    .sum();
        }

        public long stateRowsUpdated() {
            return stateOperators.stream()
                    .mapToLong(StateOperatorSnapshot::numRowsUpdated)
                    .sum();
        }

        public long stateRowsRemoved() {
            return stateOperators.stream()
                    .mapToLong(StateOperatorSnapshot::numRowsRemoved)
                    .sum();
        }

        public long stateMemoryUsedBytes() {
            return stateOperators.stream()
                    .mapToLong(StateOperatorSnapshot::memoryUsedBytes)
                    .sum();
        }

        public long rowsDroppedByWatermark() {
            return stateOperators.stream()
                    .mapToLong(StateOperatorSnapshot::numRowsDroppedByWatermark)
                    .sum();
        }
    }

    public record StateOperatorSnapshot(
            String operatorName,
            long numRowsTotal,
            long numRowsUpdated,
            long numRowsRemoved,
            long memoryUsedBytes,
            long numRowsDroppedByWatermark,
            long numShufflePartitions,
            long numStateStoreInstances) {}

    /** One start of a streaming query within the run; a restart from a checkpoint is a new entry. */
    public record StreamQuerySnapshot(
            String queryId,
            String queryRunId,
            String name,
            Instant startedAt,
            Instant terminatedAt,
            String exception) {}

    /** The same snapshot with the diagnosis attached (findings and the stage-count check). */
    public RunSnapshot withInsight(List<Finding> findings, StageCount stagePrediction) {
        return new RunSnapshot(
                id,
                experimentId,
                variant,
                description,
                knobs,
                conf,
                status,
                submittedAt,
                startedAt,
                finishedAt,
                durationMs,
                error,
                result,
                jobs,
                stages,
                sql,
                executors,
                timeline,
                evidence,
                findings,
                predictions,
                batches,
                queries,
                measurements,
                stagePrediction);
    }

    // Helpers for evidence and insight code: small, total queries over the snapshot.

    /** Batches that read at least one row (no-data batches only advance the watermark). */
    public List<BatchSnapshot> dataBatches() {
        return batches.stream().filter(b -> b.numInputRows() > 0).toList();
    }

    public long measurement(String name) {
        Long value = measurements.get(name);
        if (value == null) {
            throw new IllegalStateException("the run did not measure " + name);
        }
        return value;
    }

    public List<StageSnapshot> completedStages() {
        return stages.stream().filter(s -> s.status() == StageStatus.COMPLETE).toList();
    }

    /** The completed stage attempt with the most tasks. */
    public Optional<StageSnapshot> widestStage() {
        return completedStages().stream().max(Comparator.comparingInt(StageSnapshot::numTasks));
    }

    /** The completed stage attempt that read the most shuffle data: the join or aggregate side. */
    public Optional<StageSnapshot> heaviestShuffleReadStage() {
        return completedStages().stream()
                .filter(s -> s.shuffleReadBytes() > 0)
                .max(Comparator.comparingLong(StageSnapshot::shuffleReadBytes));
    }

    /** Plan nodes of every version of every SQL execution of the run, final plans last. */
    public List<PlanVersion> planVersions() {
        return sql.stream().flatMap(s -> s.plans().stream()).toList();
    }

    /** The last plan of each SQL execution. */
    public List<PlanNode> finalPlans() {
        return sql.stream()
                .flatMap(s -> s.finalPlan().stream())
                .map(PlanVersion::tree)
                .toList();
    }

    public boolean anyFinalPlanNode(java.util.function.Predicate<PlanNode> test) {
        return finalPlans().stream().anyMatch(tree -> tree.anyMatch(test));
    }

    public long countStages(StageStatus status) {
        return stages.stream().filter(s -> s.status() == status).count();
    }
}
