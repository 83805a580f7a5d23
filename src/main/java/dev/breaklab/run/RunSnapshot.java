package dev.breaklab.run;

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
        StageCount stagePrediction,
        String source) {

    /** A snapshot stored before runs had a source (no {@code source} in its JSON) is a lab run's. */
    public RunSnapshot {
        source = source == null ? SOURCE_LAB : source;
    }

    /** {@link #source} of a run the lab itself ran. */
    public static final String SOURCE_LAB = "lab";

    /** {@link #source} of a run replayed from an uploaded Spark event log. */
    public static final String SOURCE_IMPORT = "import";

    /** A run of the lab itself ({@code source = "lab"}). */
    public RunSnapshot(
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
        this(
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
                stagePrediction,
                SOURCE_LAB);
    }

    /** Whether the run was replayed from an uploaded event log rather than run by the lab. */
    public boolean imported() {
        return SOURCE_IMPORT.equals(source);
    }

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
                stagePrediction,
                source);
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

    /** Stage attempts in {@code status}; a retried stage counts once per attempt. */
    public long stageAttempts(StageStatus status) {
        return stages.stream().filter(s -> s.status() == status).count();
    }
}
