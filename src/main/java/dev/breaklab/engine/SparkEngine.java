package dev.breaklab.engine;

import dev.breaklab.run.EngineExecutor;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LiveExecutors;
import java.time.Duration;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** What the engine is and whether it is alive (or still starting); switching it to another mode. */
@Component
public class SparkEngine {

    /**
     * How long a switch lets the runs on the old session finish before it cancels them, and then how
     * long it waits for the cancelled ones to end before it stops that session under them.
     */
    static final Duration SWITCH_GRACE = Duration.ofSeconds(30);

    private final EmbeddedSpark spark;
    private final LabProperties properties;
    private final RunEngine runs;
    private final LiveExecutors executors;

    @Autowired
    SparkEngine(EmbeddedSpark spark, LabProperties properties, RunEngine runs, LiveExecutors executors) {
        this.spark = spark;
        this.properties = properties;
        this.runs = runs;
        this.executors = executors;
    }

    SparkEngine(EmbeddedSpark spark, LabProperties properties, RunEngine runs) {
        this(spark, properties, runs, new LiveExecutors());
    }

    /** What {@link #switchTo} did. */
    public enum Switch {
        /** The engine switches now; {@code GET /api/engine} shows its progress. */
        STARTED,
        /** The engine already runs in that mode: nothing happened. */
        ALREADY
    }

    /**
     * Switches the engine to {@code mode} (README, "Engine modes"): queued runs wait for the new
     * session; running runs get {@link #SWITCH_GRACE} to finish, then they are cancelled; the old
     * session stops (and a local cluster's processes), the executors seen so far and the old context's
     * job, stage and SQL ids are forgotten (a new context numbers them from 0 again), the
     * new session starts with the lab's listener. The same mode while running is a no-op; after a
     * failed start, the same mode starts again.
     *
     * @throws org.springframework.web.ErrorResponseException 409 when remote has no
     *     {@code spark://} master configured, or the engine is starting or already switching
     */
    public Switch switchTo(EngineMode mode) {
        if (mode == EngineMode.REMOTE && !properties.engine().master().startsWith("spark://")) {
            throw RunProblems.engineConflict(
                    "engine-not-configured",
                    "remote needs a standalone cluster: set lab.engine.master=spark://host:7077 (it is "
                            + properties.engine().master() + ") and restart the lab",
                    "lab.engine.master");
        }
        EmbeddedSpark.State state = spark.state();
        if (state == EmbeddedSpark.State.STARTING || state == EmbeddedSpark.State.SWITCHING) {
            throw RunProblems.engineConflict(
                    "engine-busy",
                    "the engine is " + state.json() + " (to " + spark.mode().json()
                            + "); switch again once GET /api/engine says running",
                    null);
        }
        if (state == EmbeddedSpark.State.RUNNING && spark.mode() == mode) {
            return Switch.ALREADY;
        }
        boolean started = spark.switchTo(
                mode,
                SWITCH_GRACE,
                () -> runs.cancelRunning("The engine switched to " + mode.json() + " while this run ran"),
                () -> {
                    executors.clear();
                    runs.engineStopped();
                });
        if (!started) {
            throw RunProblems.engineConflict(
                    "engine-busy", "the engine is already switching; switch again once it runs", null);
        }
        return Switch.STARTED;
    }

    public EngineInfo info() {
        EmbeddedSpark.State state = spark.state();
        SparkSession session = spark.ifReady().orElse(null);
        if (session == null) {
            return new EngineInfo(
                    spark.mode().json(),
                    properties.engine().master(),
                    org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                    scala.util.Properties.versionNumberString(),
                    Runtime.version().toString(),
                    0,
                    0,
                    List.of(),
                    null,
                    null,
                    false,
                    runs.queuedRuns(),
                    runs.runningRuns(),
                    spark.sessionStartMs(),
                    state.json(),
                    spark.failure(),
                    spark.switchingFrom().map(EngineMode::json).orElse(null));
        }
        SparkContext sc = session.sparkContext();
        boolean alive = state == EmbeddedSpark.State.RUNNING;
        List<EngineExecutor> seen = executors.snapshot();
        int active = (int) seen.stream()
                .filter(e -> e.active() && !e.executorId().equals("driver"))
                .count();
        return new EngineInfo(
                spark.mode().json(),
                sc.master(),
                session.version(),
                scala.util.Properties.versionNumberString(),
                Runtime.version().toString(),
                alive ? sc.defaultParallelism() : 0,
                alive ? active : 0,
                seen,
                sc.applicationId(),
                sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() : null,
                alive,
                runs.queuedRuns(),
                runs.runningRuns(),
                spark.sessionStartMs(),
                state.json(),
                null,
                null);
    }
}
