package dev.breaklab.run;

import com.fasterxml.jackson.annotation.JsonProperty;
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

    /** Whether the run was replayed from an uploaded event log rather than run by the lab. */
    public boolean imported() {
        return SOURCE_IMPORT.equals(source);
    }

    /** The same snapshot with the diagnosis attached (findings and the stage-count check). */
    public RunSnapshot withInsight(List<Finding> findings, StageCount stagePrediction) {
        return toBuilder().findings(findings).stagePrediction(stagePrediction).build();
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

    /**
     * The finished run's wall time during which none of its jobs ran: the driver alone at work
     * (planning, compiling, collecting, or a loop of small actions). Computed by {@link
     * RunQueries#driverOnlyMs}, sent with the snapshot so the run view shows it without computing it;
     * 0 until the run has finished.
     */
    @JsonProperty("driverOnlyMs")
    public long driverOnlyMs() {
        return RunQueries.driverOnlyMs(this);
    }

    /** The finished run's wall time ({@link RunQueries#wallMs}), beside {@link #driverOnlyMs()}. */
    @JsonProperty("wallMs")
    public long wallMs() {
        return RunQueries.wallMs(this);
    }

    /** Stage attempts in {@code status}; a retried stage counts once per attempt. */
    public long stageAttempts(StageStatus status) {
        return stages.stream().filter(s -> s.status() == status).count();
    }

    /** A snapshot built field by field, so that no caller repeats the whole list of components. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this snapshot's values: change what differs, then {@link Builder#build()}. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.id = id;
        b.experimentId = experimentId;
        b.variant = variant;
        b.description = description;
        b.knobs = knobs;
        b.conf = conf;
        b.status = status;
        b.submittedAt = submittedAt;
        b.startedAt = startedAt;
        b.finishedAt = finishedAt;
        b.durationMs = durationMs;
        b.error = error;
        b.result = result;
        b.jobs = jobs;
        b.stages = stages;
        b.sql = sql;
        b.executors = executors;
        b.timeline = timeline;
        b.evidence = evidence;
        b.findings = findings;
        b.predictions = predictions;
        b.batches = batches;
        b.queries = queries;
        b.measurements = measurements;
        b.stagePrediction = stagePrediction;
        b.source = source;
        return b;
    }

    /** Named fields for {@link RunSnapshot}; unset ones are null (a lab run when {@code source} is). */
    public static final class Builder {
        private String id;
        private String experimentId;
        private String variant;
        private String description;
        private Map<String, Object> knobs;
        private Map<String, String> conf;
        private RunStatus status;
        private Instant submittedAt;
        private Instant startedAt;
        private Instant finishedAt;
        private Long durationMs;
        private RunError error;
        private String result;
        private List<JobSnapshot> jobs;
        private List<StageSnapshot> stages;
        private List<SqlSnapshot> sql;
        private List<ExecutorSnapshot> executors;
        private List<TaskSpan> timeline;
        private List<EvidenceResult> evidence;
        private List<Finding> findings;
        private List<PredictionResult> predictions;
        private List<BatchSnapshot> batches;
        private List<StreamQuerySnapshot> queries;
        private Map<String, Long> measurements;
        private StageCount stagePrediction;
        private String source;

        private Builder() {}

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder experimentId(String experimentId) {
            this.experimentId = experimentId;
            return this;
        }

        public Builder variant(String variant) {
            this.variant = variant;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder knobs(Map<String, Object> knobs) {
            this.knobs = knobs;
            return this;
        }

        public Builder conf(Map<String, String> conf) {
            this.conf = conf;
            return this;
        }

        public Builder status(RunStatus status) {
            this.status = status;
            return this;
        }

        public Builder submittedAt(Instant submittedAt) {
            this.submittedAt = submittedAt;
            return this;
        }

        public Builder startedAt(Instant startedAt) {
            this.startedAt = startedAt;
            return this;
        }

        public Builder finishedAt(Instant finishedAt) {
            this.finishedAt = finishedAt;
            return this;
        }

        public Builder durationMs(Long durationMs) {
            this.durationMs = durationMs;
            return this;
        }

        public Builder error(RunError error) {
            this.error = error;
            return this;
        }

        public Builder result(String result) {
            this.result = result;
            return this;
        }

        public Builder jobs(List<JobSnapshot> jobs) {
            this.jobs = jobs;
            return this;
        }

        public Builder stages(List<StageSnapshot> stages) {
            this.stages = stages;
            return this;
        }

        public Builder sql(List<SqlSnapshot> sql) {
            this.sql = sql;
            return this;
        }

        public Builder executors(List<ExecutorSnapshot> executors) {
            this.executors = executors;
            return this;
        }

        public Builder timeline(List<TaskSpan> timeline) {
            this.timeline = timeline;
            return this;
        }

        public Builder evidence(List<EvidenceResult> evidence) {
            this.evidence = evidence;
            return this;
        }

        public Builder findings(List<Finding> findings) {
            this.findings = findings;
            return this;
        }

        public Builder predictions(List<PredictionResult> predictions) {
            this.predictions = predictions;
            return this;
        }

        public Builder batches(List<BatchSnapshot> batches) {
            this.batches = batches;
            return this;
        }

        public Builder queries(List<StreamQuerySnapshot> queries) {
            this.queries = queries;
            return this;
        }

        public Builder measurements(Map<String, Long> measurements) {
            this.measurements = measurements;
            return this;
        }

        public Builder stagePrediction(StageCount stagePrediction) {
            this.stagePrediction = stagePrediction;
            return this;
        }

        public Builder source(String source) {
            this.source = source;
            return this;
        }

        public RunSnapshot build() {
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
    }
}
