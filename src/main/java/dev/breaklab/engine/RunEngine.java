package dev.breaklab.engine;

import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Explanations;
import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunError;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import dev.breaklab.telemetry.LiveRun;
import dev.breaklab.telemetry.RunDrained;
import dev.breaklab.telemetry.RunStore;
import dev.breaklab.telemetry.SnapshotPublisher;
import jakarta.annotation.PreDestroy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ui.SQLExecutionUIData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Queues and runs the experiments {@link RunRequestValidator} accepted. Each run gets its own session ({@code newSession()}, the
 * variant's settings applied) and its own job group, so every Spark job it starts is attributable
 * to it and can be cancelled with it. A failing experiment is a result, never a crash.
 *
 * <p>A final status is a complete result: the evidence and the predictions are judged on the run as
 * it ends (success, failure, cancel or timeout alike) before the status changes, and the status,
 * the evidence and the predictions change together in one {@link LiveRun#finish}; the publisher adds
 * the findings to that same snapshot before anyone can see it.
 */
@Service
public class RunEngine {

    private static final Logger log = LoggerFactory.getLogger(RunEngine.class);
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(15);
    private static final Duration CANCEL_GRACE = Duration.ofSeconds(10);
    private static final Duration JOB_END_WAIT = Duration.ofSeconds(10);

    /** The lab's SparkSession; its methods wait until Spark, started beside the lab, is ready. */
    private final EmbeddedSpark spark;

    private final RunStore store;
    private final SnapshotPublisher publisher;
    private final LabProperties.Runs limits;
    private final Path runsDir;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final Object admission = new Object();

    public RunEngine(EmbeddedSpark spark, RunStore store, SnapshotPublisher publisher, LabProperties properties) {
        this.spark = spark;
        this.store = store;
        this.publisher = publisher;
        this.limits = properties.runs();
        this.runsDir = properties.dataDir().toAbsolutePath().resolve("runs");
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, limits.concurrency()), r -> {
            Thread t = new Thread(r, "lab-run-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lab-run-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a run {@link RunRequestValidator} accepted; 429 when the queue is full. */
    public RunSnapshot submit(ValidatedRun request) {
        ExperimentDefinition definition = request.experiment().definition();
        String id = UUID.randomUUID().toString().substring(0, 8);
        LiveRun live = new LiveRun(
                id,
                definition.id(),
                request.variant().name(),
                definition.id() + " / " + request.variant().name(),
                request.knobs().values(),
                request.conf(),
                Instant.now());
        synchronized (admission) {
            if (queued.get() >= limits.queueCapacity()) {
                throw RunProblems.queueFull(limits.queueCapacity(), retryAfterSeconds());
            }
            queued.incrementAndGet();
            store.add(live);
            // Announce the run as QUEUED before a worker can start it: every status is published.
            publisher.publish(live);
            ActiveRun run = new ActiveRun(live, request);
            active.put(id, run);
            run.future = workers.submit(() -> execute(run));
        }
        return publisher.publish(live);
    }

    public RunSnapshot cancel(String id) {
        LiveRun live = store.live(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a retained run"));
        ActiveRun run = active.get(id);
        if (run == null || !stop(run, RunStatus.CANCELLED, "Cancelled by the user")) {
            throw RunProblems.conflict(
                    live.status().finished()
                            ? "run " + id + " has already finished (" + live.status() + ")"
                            : "run " + id + " has already ended; its result is being attached");
        }
        return publisher.publish(live);
    }

    private void leaveQueue(ActiveRun run) {
        if (run.dequeued.compareAndSet(false, true)) {
            queued.decrementAndGet();
        }
    }

    public int queuedRuns() {
        return queued.get();
    }

    public int runningRuns() {
        return active.size() - queued.get();
    }

    private void execute(ActiveRun run) {
        try {
            executeOnLease(run);
        } finally {
            EmbeddedSpark.Lease lease = run.lease;
            if (lease != null) {
                lease.close();
            }
        }
    }

    private void executeOnLease(ActiveRun run) {
        boolean sparkReady = awaitSpark(run);
        leaveQueue(run);
        LiveRun live = run.live;
        if (live.status().finished()) {
            finishQuietly(run);
            return;
        }
        if (run.stopStatus != null) {
            finish(run, run.stopStatus, new RunError(run.stopStatus.name(), run.stopReason), null);
            finishQuietly(run);
            return;
        }
        if (!sparkReady) {
            finish(
                    run,
                    RunStatus.FAILED,
                    new RunError("SPARK_NOT_STARTED", "Spark did not start: " + spark.failure()),
                    null);
            finishQuietly(run);
            return;
        }
        run.thread = Thread.currentThread();
        live.started(Instant.now());
        publisher.publish(live);
        run.timeoutTask = timers.schedule(
                () -> stop(
                        run,
                        RunStatus.TIMED_OUT,
                        "Exceeded the run's time limit of "
                                + run.request.timeout().toSeconds() + " s"),
                run.request.timeout().toMillis(),
                TimeUnit.MILLISECONDS);

        // The session of the engine generation this run holds a lease on: an engine switch stops it
        // only once the run has ended.
        SparkSession base = run.lease.session();
        SparkContext sc = base.sparkContext();
        String tag = jobTag(live.id());
        RunStatus outcome = RunStatus.SUCCEEDED;
        RunError error = null;
        String result = null;
        Path workDir = runsDir.resolve(live.id());
        try {
            SparkSession session = base.newSession();
            run.request.conf().forEach((key, value) -> session.conf().set(key, value));
            sc.setJobGroup(live.id(), live.snapshot().description(), true);
            sc.setLocalProperty(LabListener.RUN_PROPERTY, live.id());
            sc.addJobTag(tag);
            RunContext context =
                    new RunContext(session, run.request.variant().name(), run.request.knobs(), workDir, live);
            run.context = context;
            if (run.stopStatus != null) {
                context.stopQueries();
            }
            result = run.request.experiment().run(context);
        } catch (Throwable t) {
            if (run.stopStatus != null) {
                outcome = run.stopStatus;
                error = new RunError(outcome.name(), run.stopReason);
            } else {
                outcome = RunStatus.FAILED;
                error = errorOf(t);
                log.info("Run {} ({}) failed: {}", live.id(), live.snapshot().description(), error.message());
            }
            if (t instanceof VirtualMachineError vme && !(t instanceof OutOfMemoryError)) {
                throw vme;
            }
        } finally {
            // No streaming query outlives its run.
            RunContext context = run.context;
            if (context != null) {
                context.closeStreams();
            }
            sc.clearJobGroup();
            sc.setLocalProperty(LabListener.RUN_PROPERTY, null);
            sc.removeJobTag(tag);
            Thread.interrupted();
        }
        synchronized (run) {
            // From here on the outcome is decided: a cancel or a timeout comes too late.
            run.ending = true;
        }
        if (run.stopStatus != null && outcome == RunStatus.SUCCEEDED) {
            outcome = run.stopStatus;
            error = new RunError(outcome.name(), run.stopReason);
        }
        complete(run, outcome, error, result, workDir);
    }

    /**
     * A run submitted while Spark is still starting (or switching to another mode) waits here, QUEUED
     * (its time limit has not started), until Spark is ready, Spark failed to start, or the run is
     * stopped. Once ready, the run holds a lease on the session until it ends.
     */
    private boolean awaitSpark(ActiveRun run) {
        while (run.stopStatus == null) {
            try {
                java.util.Optional<EmbeddedSpark.Lease> lease = spark.lease(Duration.ofMillis(100));
                if (lease.isPresent()) {
                    run.lease = lease.get();
                    return true;
                }
            } catch (ExecutionException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void complete(ActiveRun run, RunStatus outcome, RunError error, String result, Path workDir) {
        LiveRun live = run.live;
        try {
            SparkSession session = run.lease.session();
            SparkContext sc = session.sparkContext();
            if (outcome != RunStatus.SUCCEEDED) {
                // A failed query can leave work behind (a broadcast job still starting when its
                // timeout fired): nothing of a finished run may keep running.
                sc.cancelJobGroupAndFutureJobs(live.id(), "run " + live.id() + " ended " + outcome);
                sc.cancelJobsWithTag(jobTag(live.id()), "run " + live.id() + " ended " + outcome);
            }
            sc.listenerBus().post(new RunDrained(live.id()));
            if (!live.awaitDrained(DRAIN_WAIT)) {
                log.warn("Run {}: listener events still pending after {}", live.id(), DRAIN_WAIT);
            }
            awaitJobsEnded(live);
            attachFinalMetrics(live, session);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Run {}: could not read final metrics: {}", live.id(), e.toString());
        }
        // The work directory (checkpoints, files the run wrote) goes before the run is announced
        // finished: whoever sees it finished sees nothing of it left on disk.
        Directories.deleteQuietly(workDir);
        finish(run, outcome, error, result);
        finishQuietly(run);
    }

    /**
     * Judges the evidence and the predictions on the run as it ends, then moves it to its final
     * status with them in one step and publishes that snapshot (the publisher adds the findings
     * before it becomes visible). In-memory work over one snapshot, on the engine's (or the
     * canceller's) thread, never the listener's.
     */
    private void finish(ActiveRun run, RunStatus outcome, RunError error, String result) {
        LiveRun live = run.live;
        ExperimentDefinition definition = run.request.experiment().definition();
        Instant at = Instant.now();
        List<EvidenceResult> evidence = List.of();
        List<PredictionResult> predictions = List.of();
        try {
            RunSnapshot ending = live.preview(outcome, at, error, result);
            evidence = Explanations.evidence(definition, run.request.variant().name(), ending);
            predictions = Explanations.predictions(definition, run.request.predictions(), ending);
        } catch (RuntimeException e) {
            log.warn("Run {}: explaining failed: {}", live.id(), e.toString());
        }
        live.finish(outcome, at, error, result, evidence, predictions);
        publisher.publish(live);
    }

    /**
     * Cancelled jobs end asynchronously: their end can reach the bus after the drain marker. Wait,
     * bounded, until the lab has seen every job of the run end, so a final snapshot has none RUNNING.
     */
    private static void awaitJobsEnded(LiveRun live) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_END_WAIT.toNanos();
        while (live.hasRunningJobs() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** SQL metric values of each execution's final plan, from Spark's SQL status store. */
    private static void attachFinalMetrics(LiveRun live, SparkSession session) {
        var statusStore = session.sharedState().statusStore();
        for (long executionId : live.sqlExecutionIds()) {
            scala.Option<SQLExecutionUIData> data = statusStore.execution(executionId);
            if (data.isEmpty()) {
                continue;
            }
            Map<Long, String> values = new HashMap<>();
            CollectionConverters.asJava(statusStore.executionMetrics(executionId))
                    .forEach((accumulatorId, value) -> values.put((Long) accumulatorId, value));
            live.finalMetricValues(executionId, values);
        }
    }

    private void finishQuietly(ActiveRun run) {
        active.remove(run.live.id());
        if (run.timeoutTask != null) {
            run.timeoutTask.cancel(false);
        }
    }

    /**
     * Cancels the run's Spark jobs; if it is still queued, it simply never starts. False when the
     * run's outcome is already decided (finished, or its result being attached); true if it is
     * stopping (now or already).
     */
    private boolean stop(ActiveRun run, RunStatus status, String reason) {
        LiveRun live = run.live;
        synchronized (run) {
            if (run.ending || live.status().finished()) {
                return false;
            }
            if (run.stopStatus != null) {
                return true;
            }
            run.stopStatus = status;
            run.stopReason = reason;
        }
        if (live.status() == RunStatus.QUEUED && run.future != null && run.future.cancel(false)) {
            leaveQueue(run);
            finish(run, status, new RunError(status.name(), reason), null);
            finishQuietly(run);
            return true;
        }
        EmbeddedSpark.Lease lease = run.lease;
        if (lease == null) {
            return true; // its worker still waits for Spark to start: it sees stopStatus and ends the run
        }
        SparkContext sc = lease.session().sparkContext();
        sc.cancelJobGroupAndFutureJobs(live.id(), reason);
        sc.cancelJobsWithTag(jobTag(live.id()), reason);
        RunContext context = run.context;
        if (context != null) {
            // query.stop() waits for the micro-batch to end: not on the caller's (HTTP or timer) thread.
            Thread stopper = new Thread(context::stopQueries, "lab-run-stop-" + live.id());
            stopper.setDaemon(true);
            stopper.start();
        }
        // Driver-side work (no job to cancel) gets an interrupt after a grace period.
        timers.schedule(
                () -> {
                    Thread thread = run.thread;
                    if (active.containsKey(live.id()) && thread != null) {
                        thread.interrupt();
                    }
                },
                CANCEL_GRACE.toMillis(),
                TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * Cancels every run that runs on a session now (an engine switch gave them their time); queued
     * runs stay queued for the next session.
     */
    void cancelRunning(String reason) {
        active.values().stream()
                .filter(run -> run.lease != null)
                .forEach(run -> stop(run, RunStatus.CANCELLED, reason));
    }

    /** The old SparkContext of an engine switch has stopped: its job, stage and SQL ids mean nothing now. */
    void engineStopped() {
        store.forgetSparkIdsOfFinishedRuns();
    }

    static String jobTag(String runId) {
        return "breaklab-run-" + runId;
    }

    /** Spark's error class (condition) when it has one, else the exception's type; and its message. */
    static RunError errorOf(Throwable t) {
        String errorClass = null;
        for (Throwable c = t; c != null && errorClass == null; c = c.getCause()) {
            if (c instanceof SparkThrowable st && st.getCondition() != null) {
                errorClass = st.getCondition();
            }
        }
        if (errorClass == null) {
            errorClass = t.getClass().getSimpleName();
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        int cut = message.indexOf("\n\tat ");
        if (cut > 0) {
            message = message.substring(0, cut);
        }
        if (message.length() > 4_000) {
            message = message.substring(0, 4_000) + " ...";
        }
        return new RunError(errorClass, message);
    }

    private long retryAfterSeconds() {
        return Math.max(1, Math.min(60, limits.timeout().toSeconds() / 4));
    }

    @PreDestroy
    void shutdown() {
        active.values().forEach(run -> stop(run, RunStatus.CANCELLED, "The lab is shutting down"));
        workers.shutdownNow();
        timers.shutdownNow();
    }

    /** A run between submission and completion. */
    private static final class ActiveRun {
        final LiveRun live;
        final ValidatedRun request;
        volatile java.util.concurrent.Future<?> future;
        volatile Thread thread;
        volatile ScheduledFuture<?> timeoutTask;
        volatile RunContext context;
        /** Set once Spark is ready for this run: the session it runs on stays up until the run ends. */
        volatile EmbeddedSpark.Lease lease;

        volatile RunStatus stopStatus;
        volatile String stopReason;
        /** The experiment has returned or thrown: the outcome is decided, only its result is pending. */
        volatile boolean ending;
        /**
         * Left the queue: set once, because a run cancelled while it waits for Spark has both a
         * cancelled future (FutureTask.cancel(false) succeeds on a task already running) and a worker.
         */
        final java.util.concurrent.atomic.AtomicBoolean dequeued = new java.util.concurrent.atomic.AtomicBoolean();

        ActiveRun(LiveRun live, ValidatedRun request) {
            this.live = live;
            this.request = request;
        }
    }
}
