package dev.breaklab.telemetry;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.ExecutorSnapshot;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.LogicalPlans;
import dev.breaklab.run.PlanCause;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.run.RunError;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.run.TaskPhases;
import dev.breaklab.run.TaskSpan;
import dev.breaklab.run.TaskSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.executor.ShuffleReadMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.TaskInfo;

/**
 * The mutable state of one run, in the manner of Spark's {@code AppStatusListener} live entities.
 * Three parties touch it, each briefly under its own monitor: the listener thread (O(1) updates),
 * the engine thread (lifecycle) and the publisher (snapshots). Clients never take the monitor:
 * they read {@link #snapshot()}, an immutable record published at most every 100 ms.
 */
public final class LiveRun {

    static final int TIMELINE_CAP = 2_000;

    private final String id;
    private final String experimentId;
    private final String variant;
    private final String description;
    private final Map<String, Object> knobs;
    private final Map<String, String> conf;
    private final Instant submittedAt;
    private String source = RunSnapshot.SOURCE_LAB;

    private RunStatus status = RunStatus.QUEUED;
    private Instant startedAt;
    private Instant finishedAt;
    private RunError error;
    private String result;

    private final Map<Integer, LiveJob> jobs = new LinkedHashMap<>();
    private final Map<Long, LiveStage> stages = new LinkedHashMap<>();
    /** The newest attempt of each stage id: job ends and retries look stages up here in O(1). */
    private final Map<Integer, LiveStage> latestAttempt = new HashMap<>();

    private final Map<Long, LiveSql> sql = new LinkedHashMap<>();
    private final Map<String, long[]> executors = new HashMap<>();
    /** The life of each executor up while the run had a job (host, cores, added, removed and why). */
    private final Map<String, ExecutorLife> executorLives = new HashMap<>();

    private final List<TaskSpan> timeline = new ArrayList<>();
    private final SplittableRandom sampler = new SplittableRandom(42);
    private long tasksSeen;
    private LogicalPlans pendingLogical;
    private final LiveStreams streams = new LiveStreams();

    private List<EvidenceResult> evidence = List.of();
    private List<PredictionResult> predictions = List.of();

    private boolean dirty = true;
    private boolean statusChanged = true;
    private volatile RunSnapshot snapshot;
    /** Replaces the publisher's diagnosis for a run of another application (an imported log). */
    private volatile RunDiagnosis ownDiagnosis;

    private final CountDownLatch drained = new CountDownLatch(1);
    /** Orders publication (snapshot + delivery to sinks) without holding the state monitor. */
    final Object publishLock = new Object();

    public LiveRun(
            String id,
            String experimentId,
            String variant,
            String description,
            Map<String, Object> knobs,
            Map<String, String> conf,
            Instant submittedAt) {
        this.id = id;
        this.experimentId = experimentId;
        this.variant = variant;
        this.description = description;
        this.knobs = Map.copyOf(knobs);
        this.conf = Map.copyOf(conf);
        this.submittedAt = submittedAt;
        this.snapshot = build();
    }

    public String id() {
        return id;
    }

    /** The latest published snapshot: never blocks, never builds. */
    public RunSnapshot snapshot() {
        return snapshot;
    }

    /** Marks a run replayed from an event log (before it is published). */
    synchronized void source(String source) {
        this.source = source;
        touch(true);
    }

    /**
     * Diagnoses this run with {@code diagnosis} instead of the publisher's: an imported run is
     * judged with its own application's cores and result-size guard, not the lab engine's.
     */
    public void diagnosedBy(RunDiagnosis diagnosis) {
        this.ownDiagnosis = diagnosis;
    }

    // ---- lifecycle (engine thread) ----

    public synchronized RunStatus status() {
        return status;
    }

    public synchronized void started(Instant at) {
        if (status == RunStatus.QUEUED) {
            status = RunStatus.RUNNING;
            startedAt = at;
            touch(true);
        }
    }

    /**
     * The snapshot this run would publish if it finished now with this outcome, for judging its
     * evidence and predictions before anyone can see the final status. Changes nothing, publishes
     * nothing; the findings and the stage-count check are the publisher's diagnosis, added when
     * the final snapshot is published.
     */
    public synchronized RunSnapshot preview(RunStatus outcome, Instant at, RunError failure, String resultSummary) {
        if (!outcome.finished()) {
            throw new IllegalArgumentException("not a final status: " + outcome);
        }
        return build(outcome, at, failure, resultSummary, List.of(), List.of());
    }

    /**
     * Moves to a final status once, with its explanation: the status, the evidence and the
     * prediction results change together, so no snapshot shows a final status without them. Later
     * calls are ignored so a cancel cannot overwrite a result.
     */
    public synchronized boolean finish(
            RunStatus finalStatus,
            Instant at,
            RunError failure,
            String resultSummary,
            List<EvidenceResult> evidence,
            List<PredictionResult> predictions) {
        if (!finalStatus.finished()) {
            throw new IllegalArgumentException("not a final status: " + finalStatus);
        }
        if (status.finished()) {
            return false;
        }
        status = finalStatus;
        finishedAt = at;
        error = failure;
        result = resultSummary;
        this.evidence = List.copyOf(evidence);
        this.predictions = List.copyOf(predictions);
        touch(true);
        return true;
    }

    /** Logical plans of the query about to run; attached to the SQL executions that follow. */
    public synchronized void logicalPlans(LogicalPlans logical) {
        pendingLogical = logical;
    }

    /** Called by the listener when the run's drain marker comes through the event bus. */
    void markDrained() {
        drained.countDown();
    }

    /** Waits until every event Spark posted before the marker has been applied to this run. */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        return drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ---- listener thread: O(1) per event ----

    synchronized void jobStarted(int jobId, long time, Long sqlExecutionId, List<StageRef> stageRefs) {
        LiveJob job = new LiveJob(jobId, time, sqlExecutionId);
        jobs.put(jobId, job);
        for (StageRef ref : stageRefs) {
            job.stageIds.add(ref.stageId());
            LiveStage stage = stages.computeIfAbsent(
                    key(ref.stageId(), ref.attemptId()),
                    k -> new LiveStage(ref.stageId(), ref.attemptId(), ref.name(), ref.numTasks(), ref.parentIds()));
            stage.addJob(jobId);
            LiveStage latest = latestAttempt.get(ref.stageId());
            if (latest == null || latest.attemptId < ref.attemptId()) {
                latestAttempt.put(ref.stageId(), stage);
            }
        }
        touch(false);
    }

    /**
     * An executor up while this run has a job (one already up when a job starts, or one Spark adds
     * during it): the run view draws its lane group and its added marker. Idempotent.
     */
    synchronized void executorUp(String executorId, String host, int cores, long addedAt) {
        ExecutorLife life = executorLives.computeIfAbsent(executorId, k -> new ExecutorLife());
        if (host != null && !host.isEmpty()) {
            life.host = host;
        }
        if (cores > 0) {
            life.cores = cores;
        }
        if (addedAt > 0) {
            life.addedAt = addedAt;
        }
        touch(false);
    }

    /** An executor Spark removed while this run had a job: the removed marker, with Spark's reason. */
    synchronized void executorRemoved(String executorId, String reason, long time) {
        ExecutorLife life = executorLives.computeIfAbsent(executorId, k -> new ExecutorLife());
        life.removedAt = time;
        life.removedReason = reason;
        touch(false);
    }

    synchronized void jobEnded(int jobId, long time, boolean succeeded) {
        LiveJob job = jobs.get(jobId);
        if (job == null) {
            return;
        }
        job.completedAt = time;
        job.status = succeeded ? JobStatus.SUCCEEDED : JobStatus.FAILED;
        // A stage the job listed but never submitted was skipped: its output already existed (AQE
        // reruns every earlier query stage's map stage this way). O(stages of the job).
        for (int stageId : job.stageIds) {
            LiveStage stage = latestAttempt.get(stageId);
            if (stage != null && stage.status == StageStatus.PENDING) {
                stage.status = StageStatus.SKIPPED;
            }
        }
        touch(false);
    }

    synchronized void stageSubmitted(StageRef ref, long time) {
        int stageId = ref.stageId();
        int attemptId = ref.attemptId();
        int numTasks = ref.numTasks();
        LiveStage previous = latestAttempt.get(stageId);
        LiveStage stage = stages.computeIfAbsent(
                key(stageId, attemptId), k -> new LiveStage(stageId, attemptId, ref.name(), numTasks, ref.parentIds()));
        if (previous != null && previous != stage) {
            // A retried stage (a new attempt) belongs to the same jobs as the attempt before it.
            previous.jobIds.forEach(stage::addJob);
        }
        if (previous == null || previous.attemptId <= attemptId) {
            latestAttempt.put(stageId, stage);
        }
        stage.status = StageStatus.ACTIVE;
        stage.numTasks = numTasks;
        stage.submittedAt = time > 0 ? time : System.currentTimeMillis();
        touch(false);
    }

    synchronized void stageCompleted(int stageId, int attemptId, long time, String failureReason) {
        LiveStage stage = stages.get(key(stageId, attemptId));
        if (stage == null) {
            return;
        }
        stage.completedAt = time > 0 ? time : System.currentTimeMillis();
        stage.failureReason = failureReason;
        stage.status = failureReason == null ? StageStatus.COMPLETE : StageStatus.FAILED;
        stage.activeTasks = 0;
        touch(false);
    }

    synchronized void taskStarted(int stageId, int attemptId) {
        LiveStage stage = stages.get(key(stageId, attemptId));
        if (stage != null) {
            stage.activeTasks++;
            touch(false);
        }
    }

    synchronized void taskEnded(int stageId, int attemptId, TaskInfo info, TaskMetrics metrics, TaskOutcome outcome) {
        LiveStage stage = stages.get(key(stageId, attemptId));
        if (stage == null) {
            return;
        }
        stage.activeTasks = Math.max(0, stage.activeTasks - 1);
        switch (outcome) {
            case SUCCESS -> stage.completedTasks++;
            case KILLED -> stage.killedTasks++;
            default -> stage.failedTasks++;
        }
        long duration = info.finishTime() > 0 ? info.finishTime() - info.launchTime() : 0;
        long shuffleRead = 0;
        long[] executor = executors.computeIfAbsent(info.executorId(), k -> new long[7]);
        executor[0]++;
        if (!outcome.succeeded()) {
            executor[1]++;
        }
        executor[2] += duration;
        if (metrics != null) {
            ShuffleReadMetrics read = metrics.shuffleReadMetrics();
            shuffleRead = read.totalBytesRead();
            stage.inputBytes += metrics.inputMetrics().bytesRead();
            stage.inputRecords += metrics.inputMetrics().recordsRead();
            stage.outputBytes += metrics.outputMetrics().bytesWritten();
            stage.shuffleReadBytes += shuffleRead;
            stage.shuffleRemoteBytesRead += read.remoteBytesRead();
            stage.shuffleReadRecords += read.recordsRead();
            stage.shuffleWriteBytes += metrics.shuffleWriteMetrics().bytesWritten();
            stage.shuffleWriteRecords += metrics.shuffleWriteMetrics().recordsWritten();
            stage.memorySpilledBytes += metrics.memoryBytesSpilled();
            stage.diskSpilledBytes += metrics.diskBytesSpilled();
            stage.gcTimeMs += metrics.jvmGCTime();
            stage.executorRunTimeMs += metrics.executorRunTime();
            stage.peakExecutionMemory = Math.max(stage.peakExecutionMemory, metrics.peakExecutionMemory());
            stage.resultSizeBytes += metrics.resultSize();
            executor[3] += metrics.inputMetrics().bytesRead();
            executor[4] += shuffleRead;
            executor[5] += metrics.shuffleWriteMetrics().bytesWritten();
            executor[6] += metrics.jvmGCTime();
        }
        TaskPhases phases = null;
        if (metrics != null && info.finishTime() > 0) {
            phases = TaskPhases.ofTask(
                    info.launchTime(),
                    info.finishTime(),
                    info.gettingResultTime(),
                    metrics.executorDeserializeTime(),
                    metrics.executorRunTime(),
                    metrics.shuffleReadMetrics().fetchWaitTime(),
                    metrics.shuffleWriteMetrics().writeTime(),
                    metrics.resultSerializationTime(),
                    metrics.executorCpuTime(),
                    metrics.jvmGCTime());
            stage.taskPhases = stage.taskPhases.plus(phases);
        }
        if (outcome.succeeded()) {
            stage.taskDurations.add(duration);
            stage.taskShuffleReads.add(shuffleRead);
        }
        stage.offerSlowest(
                new TaskSummary(info.taskId(), info.index(), info.executorId(), duration, shuffleRead, outcome));
        sampleTimeline(new TaskSpan(
                stageId,
                attemptId,
                info.index(),
                info.executorId(),
                info.launchTime(),
                info.finishTime(),
                outcome,
                phases));
        touch(false);
    }

    /** Reservoir sampling: every task has the same chance to be drawn, memory stays at the cap. */
    private void sampleTimeline(TaskSpan span) {
        tasksSeen++;
        if (timeline.size() < TIMELINE_CAP) {
            timeline.add(span);
        } else {
            long slot = sampler.nextLong(tasksSeen);
            if (slot < TIMELINE_CAP) {
                timeline.set((int) slot, span);
            }
        }
    }

    synchronized void sqlStarted(long executionId, String description, long time, PlanNode tree, String text) {
        LiveSql live = new LiveSql(executionId, description, time, pendingLogical);
        live.add(PlanCause.INITIAL, time, tree, text);
        sql.put(executionId, live);
        touch(false);
    }

    synchronized void sqlPlanUpdated(long executionId, long time, PlanNode tree, String text) {
        LiveSql live = sql.get(executionId);
        if (live != null) {
            live.add(PlanCause.AQE_UPDATE, time, tree, text);
            touch(false);
        }
    }

    synchronized void sqlEnded(long executionId, long time) {
        LiveSql live = sql.get(executionId);
        if (live != null) {
            live.endedAt = time;
            touch(false);
        }
    }

    /** Fills the SQL metric values (by accumulator id) into the execution's latest plan. */
    public synchronized void finalMetricValues(long executionId, Map<Long, String> values) {
        LiveSql live = sql.get(executionId);
        if (live != null && !live.plans.isEmpty()) {
            live.replaceLastTree(live.plans.get(live.plans.size() - 1).tree().withMetricValues(values));
            touch(false);
        }
    }

    public synchronized List<Long> sqlExecutionIds() {
        return List.copyOf(sql.keySet());
    }

    public synchronized boolean hasRunningJobs() {
        for (LiveJob job : jobs.values()) {
            if (job.status == JobStatus.RUNNING) {
                return true;
            }
        }
        return false;
    }

    public synchronized List<Integer> jobIds() {
        return List.copyOf(jobs.keySet());
    }

    synchronized List<Integer> stageIds() {
        return List.copyOf(latestAttempt.keySet());
    }

    // ---- streaming (StreamingQueryListener on the streams queue; LabListener for jobs) ----

    synchronized void streamQueryStarted(String queryId, String queryRunId, String name, Instant at) {
        streams.queryStarted(queryId, queryRunId, name, at);
        touch(false);
    }

    synchronized void streamQueryTerminated(String queryRunId, Instant at, String exception) {
        streams.queryTerminated(queryRunId, at, exception);
        touch(false);
    }

    synchronized void streamBatch(BatchSnapshot batch) {
        streams.batch(batch);
        touch(false);
    }

    synchronized void streamJob(String queryId, long batchId, int jobId, List<Integer> stageIds) {
        streams.job(queryId, batchId, jobId, stageIds);
        touch(false);
    }

    /**
     * Whether the streams listener has seen at least {@code started} queries start (up to the cap of
     * queries a run keeps) and every one of them terminate.
     */
    public synchronized boolean streamsTerminated(int started) {
        return streams.started() >= Math.min(started, LiveStreams.QUERY_CAP) && streams.allTerminated();
    }

    /** A figure the experiment measured with Spark itself (e.g. rows read back from a sink). */
    public synchronized void measured(String name, long value) {
        streams.measured(name, value);
        touch(false);
    }

    private void touch(boolean statusChange) {
        dirty = true;
        statusChanged |= statusChange;
    }

    // ---- publishing (publisher or engine thread) ----

    /** Builds and publishes a new snapshot if anything changed; returns it, or null if nothing did. */
    public Published publishIfDirty() {
        return publishIfDirty(RunDiagnosis.NONE);
    }

    /**
     * Same, with the diagnosis applied before the snapshot becomes visible. The diagnosis runs
     * outside this run's monitor so the listener thread never waits for it; callers hold
     * {@link #publishLock}, which orders the publications.
     */
    public Published publishIfDirty(RunDiagnosis diagnosis) {
        RunSnapshot built;
        boolean changed;
        synchronized (this) {
            if (!dirty) {
                return null;
            }
            dirty = false;
            changed = statusChanged;
            statusChanged = false;
            built = build();
        }
        RunSnapshot diagnosed;
        RunDiagnosis own = ownDiagnosis;
        try {
            diagnosed = (own != null ? own : diagnosis).diagnose(built);
        } catch (RuntimeException e) {
            diagnosed = built;
        }
        snapshot = diagnosed;
        return new Published(diagnosed, changed);
    }

    public record Published(RunSnapshot snapshot, boolean statusChanged) {}

    private RunSnapshot build() {
        return build(status, finishedAt, error, result, evidence, predictions);
    }

    /** The snapshot of the live state under the given lifecycle: the current one, or a final one. */
    private RunSnapshot build(
            RunStatus status,
            Instant finishedAt,
            RunError error,
            String result,
            List<EvidenceResult> evidence,
            List<PredictionResult> predictions) {
        Long durationMs = startedAt == null
                ? null
                : Duration.between(startedAt, finishedAt != null ? finishedAt : Instant.now())
                        .toMillis();
        List<JobSnapshot> jobList = new ArrayList<>(jobs.size());
        for (LiveJob job : jobs.values()) {
            jobList.add(job.snapshot());
        }
        List<StageSnapshot> stageList = new ArrayList<>(stages.size());
        for (LiveStage stage : stages.values()) {
            stageList.add(stage.snapshot());
        }
        stageList.sort(Comparator.comparingInt(StageSnapshot::stageId).thenComparingInt(StageSnapshot::attemptId));
        List<SqlSnapshot> sqlList = new ArrayList<>(sql.size());
        for (LiveSql live : sql.values()) {
            sqlList.add(live.snapshot(status.finished()));
        }
        List<ExecutorSnapshot> executorList = new ArrayList<>(executors.size() + executorLives.size());
        executors.forEach((executorId, e) -> executorList.add(executor(executorId, e)));
        executorLives.keySet().stream()
                .filter(executorId -> !executors.containsKey(executorId))
                .forEach(executorId -> executorList.add(executor(executorId, new long[7])));
        executorList.sort(Comparator.comparing(ExecutorSnapshot::executorId));
        return RunSnapshot.builder()
                .id(id)
                .experimentId(experimentId)
                .variant(variant)
                .description(description)
                .knobs(knobs)
                .conf(conf)
                .status(status)
                .submittedAt(submittedAt)
                .startedAt(startedAt)
                .finishedAt(finishedAt)
                .durationMs(durationMs)
                .error(error)
                .result(result)
                .jobs(List.copyOf(jobList))
                .stages(List.copyOf(stageList))
                .sql(List.copyOf(sqlList))
                .executors(List.copyOf(executorList))
                .timeline(List.copyOf(timeline))
                .evidence(evidence)
                .findings(List.of())
                .predictions(predictions)
                .batches(streams.batchSnapshots())
                .queries(streams.querySnapshots())
                .measurements(streams.measurementSnapshot())
                .source(source)
                .build();
    }

    private ExecutorSnapshot executor(String executorId, long[] e) {
        ExecutorLife life = executorLives.get(executorId);
        return life == null
                ? new ExecutorSnapshot(
                        executorId, e[0], e[1], e[2], e[3], e[4], e[5], e[6], null, null, null, null, null)
                : new ExecutorSnapshot(
                        executorId,
                        e[0],
                        e[1],
                        e[2],
                        e[3],
                        e[4],
                        e[5],
                        e[6],
                        life.host,
                        life.cores > 0 ? life.cores : null,
                        life.addedAt > 0 ? Instant.ofEpochMilli(life.addedAt) : null,
                        life.removedAt > 0 ? Instant.ofEpochMilli(life.removedAt) : null,
                        life.removedReason);
    }

    /** What Spark said of one executor's life; times are epoch millis, 0 when not seen. */
    private static final class ExecutorLife {
        String host;
        int cores;
        long addedAt;
        long removedAt;
        String removedReason;
    }

    private static long key(int stageId, int attemptId) {
        return ((long) stageId << 20) | attemptId;
    }

    /**
     * What a job start (or a stage submission) tells about a stage.
     *
     * @param parentIds Spark's {@code StageInfo.parentIds}: the stages whose shuffle output it reads
     */
    record StageRef(int stageId, int attemptId, String name, int numTasks, List<Integer> parentIds) {}

    private static final class LiveJob {
        final int jobId;
        final long submittedAt;
        final Long sqlExecutionId;
        final List<Integer> stageIds = new ArrayList<>();
        long completedAt;
        JobStatus status = JobStatus.RUNNING;

        LiveJob(int jobId, long submittedAt, Long sqlExecutionId) {
            this.jobId = jobId;
            this.submittedAt = submittedAt;
            this.sqlExecutionId = sqlExecutionId;
        }

        JobSnapshot snapshot() {
            return new JobSnapshot(
                    jobId,
                    status,
                    List.copyOf(stageIds),
                    sqlExecutionId,
                    Instant.ofEpochMilli(submittedAt),
                    completedAt > 0 ? Instant.ofEpochMilli(completedAt) : null);
        }
    }

    private static final class LiveSql {
        final long executionId;
        final String description;
        final long startedAt;
        final LogicalPlans logical;
        final List<PlanVersion> plans = new ArrayList<>();
        long endedAt;

        LiveSql(long executionId, String description, long startedAt, LogicalPlans logical) {
            this.executionId = executionId;
            this.description = description;
            this.startedAt = startedAt;
            this.logical = logical;
        }

        void add(PlanCause cause, long time, PlanNode tree, String text) {
            plans.add(new PlanVersion(plans.size(), cause, Instant.ofEpochMilli(time), tree, text));
        }

        void replaceLastTree(PlanNode tree) {
            if (plans.isEmpty()) {
                return;
            }
            PlanVersion last = plans.get(plans.size() - 1);
            plans.set(plans.size() - 1, new PlanVersion(last.version(), last.cause(), last.at(), tree, last.text()));
        }

        /**
         * Once the run has finished, the plan that actually ran (the last one Spark reported, with
         * its final metric values) is shown again as the FINAL version.
         */
        SqlSnapshot snapshot(boolean runFinished) {
            List<PlanVersion> versions = plans;
            if (runFinished && !plans.isEmpty()) {
                PlanVersion last = plans.get(plans.size() - 1);
                long at = endedAt > 0 ? endedAt : last.at().toEpochMilli();
                versions = new ArrayList<>(plans);
                versions.add(new PlanVersion(
                        plans.size(), PlanCause.FINAL, Instant.ofEpochMilli(at), last.tree(), last.text()));
            }
            return new SqlSnapshot(
                    executionId,
                    description,
                    Instant.ofEpochMilli(startedAt),
                    endedAt > 0 ? Instant.ofEpochMilli(endedAt) : null,
                    List.copyOf(versions),
                    logical);
        }
    }
}
