package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListenerInterface;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SharedState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * The lab's one SparkSession, created on a thread of its own as soon as the lab's settings are
 * known ({@link SparkStarter}): Spark's start is the lab's largest start-up cost, and the web server
 * need not wait for it. The engine is ready once the session exists and the lab's listener is on
 * Spark's bus; runs submitted before that wait in the run queue, {@code /actuator/health} reports
 * spark DOWN ({@code state: starting}) and {@code GET /api/engine} says {@code starting}.
 */
public final class EmbeddedSpark implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSpark.class);

    /** What {@code GET /api/engine} and the health check say about the engine. */
    public enum State {
        STARTING,
        RUNNING,
        FAILED,
        STOPPED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final CompletableFuture<SparkSession> created = new CompletableFuture<>();
    private final CompletableFuture<SparkSession> ready = new CompletableFuture<>();
    private final AtomicBoolean listening = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile long sessionStartMs = -1;
    private volatile LocalCluster cluster;
    private final EngineMode mode;

    private EmbeddedSpark(EngineMode mode) {
        this.mode = mode;
    }

    /** Starts creating the session now, on the thread "lab-spark-start"; returns at once. */
    static EmbeddedSpark start(LabProperties properties, boolean servingRoom) {
        EmbeddedSpark spark = new EmbeddedSpark(SparkConfiguration.checkMode(properties));
        Thread starter = new Thread(() -> spark.create(properties, servingRoom), "lab-spark-start");
        starter.setDaemon(true);
        starter.start();
        return spark;
    }

    /** For tests: an engine still starting, until {@link #readyWith} or {@link #failedWith}. */
    static EmbeddedSpark starting() {
        return new EmbeddedSpark(EngineMode.EMBEDDED);
    }

    /** For tests: ready with a session that already carries the lab's listener. */
    void readyWith(SparkSession session) {
        created.complete(session);
        ready.complete(session);
    }

    /** For tests: Spark did not start. */
    void failedWith(Throwable error) {
        created.completeExceptionally(error);
        ready.completeExceptionally(error);
    }

    private void create(LabProperties properties, boolean servingRoom) {
        long start = System.nanoTime();
        try {
            if (mode == EngineMode.LOCAL_CLUSTER) {
                cluster = LocalCluster.start(properties);
                if (stopped.get()) {
                    cluster.close();
                    throw new IllegalStateException("the lab stopped while its cluster started");
                }
            }
            SparkSession session = SparkConfiguration.createSession(properties, mode, cluster, servingRoom);
            if (mode.clustered()) {
                try {
                    awaitExecutors(session, properties.engine().cluster());
                } catch (Throwable t) {
                    session.stop();
                    throw t;
                }
            }
            sessionStartMs = (System.nanoTime() - start) / 1_000_000;
            log.info(
                    "SparkSession ({}, {}) ready in {} ms",
                    mode.json(),
                    session.sparkContext().master(),
                    sessionStartMs);
            created.complete(session);
            if (stopped.get()) {
                stop(session);
            }
        } catch (Throwable t) {
            log.error("Spark did not start; runs will fail until the lab is restarted", t);
            LocalCluster started = cluster;
            if (started != null) {
                started.close();
            }
            created.completeExceptionally(t);
        }
    }

    /**
     * The cluster modes are ready when executors are: every worker's in a local cluster, at least one
     * on a remote cluster (a lesson run with none would only wait).
     */
    private void awaitExecutors(SparkSession session, LabProperties.Cluster settings) throws InterruptedException {
        int expected = mode == EngineMode.LOCAL_CLUSTER ? settings.workers() : 1;
        long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
        while (executorCount(session) < expected) {
            if (session.sparkContext().isStopped()) {
                // The master removes an application whose executors keep failing to start.
                throw new IllegalStateException("Spark stopped before " + expected + " executor(s) registered: the"
                        + " cluster could not start them; see "
                        + (mode == EngineMode.LOCAL_CLUSTER
                                ? "<lab.data-dir>/cluster/logs and the workers' directories"
                                : "the workers' logs"));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(expected + " executor(s) expected, " + executorCount(session)
                        + " registered within " + settings.readyTimeout().toSeconds() + " s"
                        + (mode == EngineMode.LOCAL_CLUSTER
                                ? "; the cluster's logs are under <lab.data-dir>/cluster/logs"
                                : "; can the cluster's workers reach the driver at "
                                        + session.sparkContext().getConf().get("spark.driver.host") + "?"));
            }
            Thread.sleep(100);
        }
    }

    /** Executors registered with the driver (the driver itself is not one). */
    private static int executorCount(SparkSession session) {
        return session.sparkContext().statusTracker().getExecutorInfos().length - 1;
    }

    EngineMode mode() {
        return mode;
    }

    /** The processes of the local cluster (master and workers); empty in the other modes. */
    java.util.List<ProcessHandle> clusterProcesses() {
        LocalCluster started = cluster;
        return started == null ? java.util.List.of() : started.processes();
    }

    private void stop(SparkSession session) {
        try {
            session.stop();
        } finally {
            LocalCluster started = cluster;
            if (started != null) {
                started.close();
            }
        }
    }

    /**
     * Puts the lab's listener on Spark's status queue, where Spark's own AppStatusListener and
     * SQLAppStatusListener live: when the lab's drain marker arrives there, Spark's status store is up
     * to date as well. The engine is ready once it is there (before any run's job can start).
     */
    void listenWith(SparkListenerInterface listener) {
        if (!listening.compareAndSet(false, true)) {
            throw new IllegalStateException("the lab's listener is already on Spark's bus");
        }
        created.whenComplete((session, error) -> {
            if (error != null) {
                ready.completeExceptionally(error);
                return;
            }
            try {
                session.sparkContext().listenerBus().addToStatusQueue(listener);
                if (listener instanceof LabListener lab) {
                    lab.catchUp(session.sparkContext());
                }
                ready.complete(session);
            } catch (RuntimeException e) {
                ready.completeExceptionally(e);
            }
        });
    }

    /** Completes as soon as the session exists (before the lab's listener is on its bus). */
    CompletableFuture<SparkSession> created() {
        return created;
    }

    /** Completes when runs can start: the session exists and the lab's listener is on its bus. */
    CompletableFuture<SparkSession> ready() {
        return ready;
    }

    /** The session if the engine is ready, without waiting. */
    public Optional<SparkSession> ifReady() {
        return ready.isDone() && !ready.isCompletedExceptionally() ? Optional.of(ready.join()) : Optional.empty();
    }

    public boolean isReady() {
        return ifReady().isPresent();
    }

    /** The session, waiting (up to ten minutes) for Spark to be ready. */
    public SparkSession session() {
        try {
            return ready.get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark to start", e);
        } catch (ExecutionException | CompletionException e) {
            throw new IllegalStateException("Spark did not start: " + failure(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark did not start within ten minutes", e);
        }
    }

    // The session's own methods the run engine uses, each waiting for the engine to be ready.

    SparkContext sparkContext() {
        return session().sparkContext();
    }

    SharedState sharedState() {
        return session().sharedState();
    }

    SparkSession newSession() {
        return session().newSession();
    }

    public State state() {
        if (ready.isCompletedExceptionally()) {
            return State.FAILED;
        }
        if (!ready.isDone()) {
            return State.STARTING;
        }
        return ready.join().sparkContext().isStopped() ? State.STOPPED : State.RUNNING;
    }

    /** Why Spark did not start, or null. */
    public String failure() {
        if (!ready.isCompletedExceptionally()) {
            return null;
        }
        try {
            ready.join();
            return null;
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause.getMessage() == null ? cause.toString() : cause.getMessage();
        }
    }

    /** How long creating the SparkSession took at start-up (-1 until it exists). */
    public long sessionStartMs() {
        return sessionStartMs;
    }

    /** Stops Spark; a session still being created is stopped as soon as it exists. */
    @Override
    public void destroy() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (created.isDone() && !created.isCompletedExceptionally()) {
            stop(created.join());
        }
    }
}
