package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
 *
 * <p>The engine can be switched to another mode at runtime ({@link #switchTo}): each start is a
 * {@link Generation} (its mode, its session, its local cluster), and {@link #current} always points at
 * the newest. Nothing may keep a SparkSession or SparkContext in a field: it asks for the session at
 * use, and a run holds a {@link Lease} on its generation so the switch stops that session only once the
 * run has released it.
 */
public final class EmbeddedSpark implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSpark.class);

    /** What {@code GET /api/engine} and the health check say about the engine. */
    public enum State {
        STARTING,
        /** A switch to another mode waits for the running runs, then stops the old session. */
        SWITCHING,
        RUNNING,
        FAILED,
        STOPPED;

        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One start of the engine: its mode, its session (once created, then ready), its local cluster. */
    private static final class Generation {
        final EngineMode mode;
        final CompletableFuture<SparkSession> created = new CompletableFuture<>();
        final CompletableFuture<SparkSession> ready = new CompletableFuture<>();
        /** Leases held by runs on this generation's session. */
        final AtomicInteger users = new AtomicInteger();

        volatile LocalCluster cluster;
        volatile long sessionStartMs = -1;

        Generation(EngineMode mode) {
            this.mode = mode;
        }

        /** Stops the session (its SparkContext with it) and the local cluster's processes. */
        void stop() {
            try {
                if (created.isDone() && !created.isCompletedExceptionally()) {
                    created.join().stop();
                }
            } finally {
                LocalCluster started = cluster;
                if (started != null) {
                    started.close();
                }
            }
        }
    }

    /**
     * A run's hold on the session it runs on: a switch stops that session only once every lease on it
     * is closed (or after its bounded wait, once it has cancelled the runs still holding one).
     */
    final class Lease implements AutoCloseable {
        private final Generation generation;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Generation generation) {
            this.generation = generation;
        }

        SparkSession session() {
            return generation.ready.join();
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                generation.users.decrementAndGet();
            }
        }
    }

    private final AtomicReference<Generation> current;
    /** The generation a switch is draining and stopping; null unless a switch is under way. */
    private volatile Generation retiring;

    private final AtomicBoolean switching = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Run on every generation's session as soon as it exists (the event-log barrier). */
    private final List<Consumer<SparkSession>> onCreated = new CopyOnWriteArrayList<>();
    /** The lab's listener, put on every generation's bus; guarded by {@code this}. */
    private SparkListenerInterface listener;
    /** What a new generation is started with; null for an engine a test hands its session. */
    private final LabProperties properties;

    private final boolean servingRoom;

    private EmbeddedSpark(EngineMode mode, LabProperties properties, boolean servingRoom) {
        this.current = new AtomicReference<>(new Generation(mode));
        this.properties = properties;
        this.servingRoom = servingRoom;
    }

    /** Starts creating the session now, on the thread "lab-spark-start"; returns at once. */
    static EmbeddedSpark start(LabProperties properties, boolean servingRoom) {
        EmbeddedSpark spark = new EmbeddedSpark(SparkConfiguration.checkMode(properties), properties, servingRoom);
        Generation first = spark.current.get();
        Thread starter = new Thread(() -> spark.create(first), "lab-spark-start");
        starter.setDaemon(true);
        starter.start();
        return spark;
    }

    /** For tests: an engine still starting, until {@link #readyWith} or {@link #failedWith}. */
    static EmbeddedSpark starting() {
        return new EmbeddedSpark(EngineMode.EMBEDDED, null, false);
    }

    /** For tests: ready with a session that already carries the lab's listener. */
    void readyWith(SparkSession session) {
        Generation generation = current.get();
        generation.created.complete(session);
        generation.ready.complete(session);
    }

    /** For tests: Spark did not start. */
    void failedWith(Throwable error) {
        Generation generation = current.get();
        generation.created.completeExceptionally(error);
        generation.ready.completeExceptionally(error);
    }

    private void create(Generation generation) {
        long start = System.nanoTime();
        EngineMode mode = generation.mode;
        try {
            if (stopped.get()) {
                throw new IllegalStateException("the lab is stopping");
            }
            if (mode == EngineMode.LOCAL_CLUSTER) {
                generation.cluster = LocalCluster.start(properties);
                if (stopped.get()) {
                    generation.cluster.close();
                    throw new IllegalStateException("the lab stopped while its cluster started");
                }
            }
            SparkSession session = SparkConfiguration.createSession(properties, mode, generation.cluster, servingRoom);
            if (mode.clustered()) {
                try {
                    awaitExecutors(mode, session, properties.engine().cluster());
                } catch (Throwable t) {
                    session.stop();
                    throw t;
                }
            }
            generation.sessionStartMs = (System.nanoTime() - start) / 1_000_000;
            log.info(
                    "SparkSession ({}, {}) ready in {} ms",
                    mode.json(),
                    session.sparkContext().master(),
                    generation.sessionStartMs);
            generation.created.complete(session);
            if (stopped.get()) {
                generation.stop();
            }
        } catch (Throwable t) {
            log.error("Spark did not start; runs will fail until the engine is switched or the lab restarted", t);
            LocalCluster started = generation.cluster;
            if (started != null) {
                started.close();
            }
            generation.created.completeExceptionally(t);
        }
    }

    /**
     * The cluster modes are ready when executors are: every worker's in a local cluster, at least one
     * on a remote cluster (a lesson run with none would only wait). With dynamic allocation the ones it
     * keeps when idle: it may release the others before this poll has seen them all.
     */
    private static void awaitExecutors(EngineMode mode, SparkSession session, LabProperties.Cluster settings)
            throws InterruptedException {
        int expected = settings.dynamicAllocation()
                ? SparkConfiguration.DYNAMIC_MIN_EXECUTORS
                : mode == EngineMode.LOCAL_CLUSTER ? settings.workers() : 1;
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

    /** The mode of the engine now, or, while a switch is under way, the mode it switches to. */
    EngineMode mode() {
        return current.get().mode;
    }

    /** The mode a switch under way stops; empty when no switch is under way. */
    Optional<EngineMode> switchingFrom() {
        Generation old = retiring;
        return old == null ? Optional.empty() : Optional.of(old.mode);
    }

    /** The processes of the local cluster (master and workers); empty in the other modes. */
    java.util.List<ProcessHandle> clusterProcesses() {
        LocalCluster started = current.get().cluster;
        return started == null ? java.util.List.of() : started.processes();
    }

    /**
     * Puts the lab's listener on Spark's status queue, where Spark's own AppStatusListener and
     * SQLAppStatusListener live: when the lab's drain marker arrives there, Spark's status store is up
     * to date as well. The engine is ready once it is there (before any run's job can start); every
     * session a switch starts gets it too.
     */
    synchronized void listenWith(SparkListenerInterface listener) {
        if (this.listener != null) {
            throw new IllegalStateException("the lab's listener is already on Spark's bus");
        }
        this.listener = listener;
        attach(current.get(), listener);
    }

    private static void attach(Generation generation, SparkListenerInterface listener) {
        generation.created.whenComplete((session, error) -> {
            if (error != null) {
                generation.ready.completeExceptionally(error);
                return;
            }
            try {
                session.sparkContext().listenerBus().addToStatusQueue(listener);
                if (listener instanceof LabListener lab) {
                    lab.catchUp(session.sparkContext());
                }
                generation.ready.complete(session);
            } catch (RuntimeException e) {
                generation.ready.completeExceptionally(e);
            }
        });
    }

    /** Runs {@code hook} on the session as soon as it exists, and on every session a switch starts. */
    synchronized void whenCreated(Consumer<SparkSession> hook) {
        onCreated.add(hook);
        run(current.get(), hook);
    }

    private static void run(Generation generation, Consumer<SparkSession> hook) {
        generation.created.thenAccept(hook).exceptionally(e -> {
            log.warn("Setting up the new SparkSession failed: {}", e.toString());
            return null;
        });
    }

    /**
     * Switches the engine to {@code target} on the thread "lab-engine-switch"; returns at once. From
     * now on runs wait for the new session (queued runs stay queued); runs holding a lease on the old
     * session get {@code grace} to finish, then {@code cancelRuns} runs and they get {@code grace}
     * again to end; then the old session and its cluster stop, {@code afterStop} runs (executor state is
     * reset there), and the new session starts with the lab's listener on its bus.
     *
     * @return false when the engine is starting, stopping or already switching
     */
    boolean switchTo(EngineMode target, Duration grace, Runnable cancelRuns, Runnable afterStop) {
        if (properties == null) {
            throw new IllegalStateException("an engine made by a test cannot switch");
        }
        if (stopped.get() || !switching.compareAndSet(false, true)) {
            return false;
        }
        Generation old = current.get();
        if (!old.ready.isDone()) {
            switching.set(false);
            return false;
        }
        Generation next = new Generation(target);
        synchronized (this) {
            onCreated.forEach(hook -> run(next, hook));
            if (listener != null) {
                attach(next, listener);
            }
            retiring = old;
            current.set(next);
        }
        log.info("Switching the engine from {} to {}", old.mode.json(), target.json());
        Thread switcher = new Thread(
                () -> {
                    try {
                        try {
                            drain(old, grace, cancelRuns);
                        } finally {
                            old.stop();
                            afterStop.run();
                            retiring = null;
                        }
                        create(next);
                    } catch (RuntimeException e) {
                        next.created.completeExceptionally(e);
                    } finally {
                        switching.set(false);
                    }
                },
                "lab-engine-switch");
        switcher.setDaemon(true);
        switcher.start();
        return true;
    }

    private static void drain(Generation old, Duration grace, Runnable cancelRuns) {
        if (awaitReleased(old, grace)) {
            return;
        }
        log.info("{} run(s) still running after {} s: cancelling them", old.users.get(), grace.toSeconds());
        cancelRuns.run();
        if (!awaitReleased(old, grace)) {
            log.warn("{} run(s) still hold the old session; stopping it under them", old.users.get());
        }
    }

    private static boolean awaitReleased(Generation generation, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (generation.users.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * A lease on the session once the engine is ready, waiting at most {@code wait}: empty while it
     * starts or switches. The session stays up until the lease is closed (or a switch gives up on it).
     *
     * @throws ExecutionException when Spark did not start
     */
    Optional<Lease> lease(Duration wait) throws ExecutionException, InterruptedException {
        Generation generation = current.get();
        try {
            generation.ready.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Optional.empty();
        }
        generation.users.incrementAndGet();
        if (current.get() != generation) {
            // A switch began meanwhile: it may not see this lease; wait for the new session instead.
            generation.users.decrementAndGet();
            return Optional.empty();
        }
        return Optional.of(new Lease(generation));
    }

    /** Completes as soon as the session exists (before the lab's listener is on its bus). */
    CompletableFuture<SparkSession> created() {
        return current.get().created;
    }

    /** Completes when runs can start: the session exists and the lab's listener is on its bus. */
    CompletableFuture<SparkSession> ready() {
        return current.get().ready;
    }

    /** The session if the engine is ready, without waiting. */
    public Optional<SparkSession> ifReady() {
        CompletableFuture<SparkSession> ready = ready();
        return ready.isDone() && !ready.isCompletedExceptionally() ? Optional.of(ready.join()) : Optional.empty();
    }

    public boolean isReady() {
        return ifReady().isPresent();
    }

    /** The session, waiting (up to ten minutes) for Spark to be ready. */
    public SparkSession session() {
        try {
            return ready().get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Spark to start", e);
        } catch (ExecutionException | CompletionException e) {
            throw new IllegalStateException("Spark did not start: " + failure(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark did not start within ten minutes", e);
        }
    }

    // The session's own methods, each waiting for the engine to be ready.

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
        if (retiring != null) {
            return State.SWITCHING;
        }
        CompletableFuture<SparkSession> ready = ready();
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
        CompletableFuture<SparkSession> ready = ready();
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

    /** How long creating the current SparkSession took (-1 until it exists). */
    public long sessionStartMs() {
        return current.get().sessionStartMs;
    }

    /** Stops Spark; a session still being created (at start or by a switch) is stopped as soon as it exists. */
    @Override
    public void destroy() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        current.get().stop();
    }
}
