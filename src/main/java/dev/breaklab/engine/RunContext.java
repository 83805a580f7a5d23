package dev.breaklab.engine;

import dev.breaklab.catalog.ExperimentRun;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.run.LogicalPlans;
import dev.breaklab.telemetry.LiveRun;
import dev.breaklab.telemetry.RunStreamListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListenerInterface;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.streaming.runtime.StreamingQueryListenerBus;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's side of {@link ExperimentRun}: one per run, used on the run's worker thread only. */
final class RunContext implements ExperimentRun {

    private static final Logger log = LoggerFactory.getLogger(RunContext.class);
    private static final int MAX_PLAN_TEXT = 20_000;
    /** How long the run's end waits for Spark to report its queries terminated (last progress included). */
    private static final Duration STREAMS_DRAIN = Duration.ofSeconds(10);
    /** query.stop() waits at most this long for a micro-batch to end (Spark's default waits forever). */
    private static final String STOP_TIMEOUT = "20s";

    private final SparkSession session;
    private final String variant;
    private final KnobValues knobs;
    private final Path workDir;
    private final LiveRun live;
    private final List<StreamingQuery> queries = new CopyOnWriteArrayList<>();
    private volatile boolean stopping;
    private RunStreamListener streamListener;
    /** The streaming listener buses on Spark's bus before this run started its first query. */
    private java.util.Set<SparkListenerInterface> busesBefore = java.util.Set.of();

    /**
     * Held while a run creates its session's listener bus and registers its listener, and while a run
     * detaches buses: another run never sees a run's bus between its creation and its listener.
     */
    private static final Object BUSES = new Object();

    RunContext(SparkSession session, String variant, KnobValues knobs, Path workDir, LiveRun live) {
        this.session = session;
        this.variant = variant;
        this.knobs = knobs;
        this.workDir = workDir;
        this.live = live;
    }

    @Override
    public SparkSession spark() {
        return session;
    }

    @Override
    public String variant() {
        return variant;
    }

    @Override
    public KnobValues knobs() {
        return knobs;
    }

    @Override
    public Path workDir() {
        try {
            return Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void execute(Dataset<?> query) {
        capture(query);
        query.write().format("noop").mode("overwrite").save();
    }

    @Override
    public List<Row> collect(Dataset<?> query) {
        capture(query);
        return query.toDF().collectAsList();
    }

    @Override
    public void capture(Dataset<?> query) {
        QueryExecution qe = query.queryExecution();
        live.logicalPlans(new LogicalPlans(
                clip(qe.logical().toString()),
                clip(qe.analyzed().toString()),
                clip(qe.optimizedPlan().toString())));
    }

    private static String clip(String text) {
        return text.length() <= MAX_PLAN_TEXT ? text : text.substring(0, MAX_PLAN_TEXT) + "\n... (truncated)";
    }

    // ---- Structured Streaming: every query belongs to the run and ends with it ----

    @Override
    public StreamingQuery start(DataStreamWriter<?> writer) {
        synchronized (this) {
            if (stopping) {
                throw new CancellationException("The run is stopping: no new streaming query may start");
            }
            if (streamListener == null) {
                // The run's session has a StreamingQueryManager of its own, whose listener bus only
                // reports queries started from this session: everything it hears is this run's.
                streamListener = new RunStreamListener(live);
                synchronized (BUSES) {
                    busesBefore = streamingBuses(session.sparkContext());
                    session.streams().addListener(streamListener);
                }
                session.conf().set("spark.sql.streaming.stopTimeout", STOP_TIMEOUT);
            }
        }
        StreamingQuery query;
        try {
            query = writer.start();
        } catch (TimeoutException e) {
            throw new IllegalStateException("The streaming query did not start: " + e.getMessage(), e);
        }
        queries.add(query);
        // stopQueries() sets the flag before it walks the list: either it saw this query or we see the flag.
        if (stopping) {
            stopQuietly(query);
            throw new CancellationException("The run is stopping: the streaming query was stopped at once");
        }
        return query;
    }

    @Override
    public Path checkpoint(String name) {
        return workDir().resolve("checkpoints").resolve(name);
    }

    @Override
    public void measure(String name, long value) {
        live.measured(name, value);
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    /** Stops every query of the run; safe from any thread, any number of times. */
    void stopQueries() {
        stopping = true;
        for (StreamingQuery query : queries) {
            stopQuietly(query);
        }
    }

    /**
     * The run's end: stops what is still running, waits until Spark has reported every query
     * terminated (so the last batch's progress is on the run), then unregisters the listener.
     */
    void closeStreams() {
        stopQueries();
        RunStreamListener listener;
        synchronized (this) {
            listener = streamListener;
        }
        if (listener == null) {
            return;
        }
        long deadline = System.nanoTime() + STREAMS_DRAIN.toNanos();
        boolean interrupted = Thread.interrupted();
        while (!live.streamsTerminated(queries.size()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        if (!live.streamsTerminated(queries.size())) {
            log.warn(
                    "Run {}: Spark did not report every streaming query terminated within {}",
                    live.id(),
                    STREAMS_DRAIN);
        }
        detachSessionBus(listener);
        session.streams().removeListener(listener);
        if (session.streams().active().length > 0) {
            log.warn(
                    "Run {}: {} streaming queries still active after the run",
                    live.id(),
                    session.streams().active().length);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A session's StreamingQueryManager puts a listener bus of its own on Spark's bus (queue "streams")
     * and Spark never takes it off: without this, every streaming run would leave buses behind for
     * good, each called on every later Spark event of the lab. A run leaves two: its session's, which
     * carries the run's listener, and the one of the clone of that session each query executes in
     * (StreamExecution.sparkSessionForStream), which carries only Spark's UI listener and never passes
     * an event on (a bus forwards only the queries its own session started). Both go with the run: the
     * bus with the run's listener, and every bus that appeared since the run's first query and carries
     * no run's listener (another run's session bus always carries its listener, see BUSES).
     */
    private void detachSessionBus(RunStreamListener listener) {
        SparkContext sc = session.sparkContext();
        synchronized (BUSES) {
            for (SparkListenerInterface registered : streamingBuses(sc)) {
                StreamingQueryListenerBus bus = (StreamingQueryListenerBus) registered;
                boolean ours = bus.listeners().contains(listener);
                boolean clone = !busesBefore.contains(bus)
                        && bus.listeners().stream().noneMatch(l -> l instanceof RunStreamListener);
                if (ours || clone) {
                    sc.removeSparkListener(bus);
                }
            }
        }
    }

    private static java.util.Set<SparkListenerInterface> streamingBuses(SparkContext sc) {
        java.util.Set<SparkListenerInterface> buses =
                java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (SparkListenerInterface registered : sc.listenerBus().listeners()) {
            if (registered instanceof StreamingQueryListenerBus) {
                buses.add(registered);
            }
        }
        return buses;
    }

    /** The queries this run started (all of them, including stopped ones). */
    List<StreamingQuery> queries() {
        return List.copyOf(queries);
    }

    private void stopQuietly(StreamingQuery query) {
        try {
            query.stop();
        } catch (Exception e) {
            log.warn("Run {}: stopping streaming query {} failed: {}", live.id(), query.id(), e.toString());
        }
    }
}
