package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.breaklab.LabTest;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.RunStore;
import dev.breaklab.telemetry.SnapshotPublisher;
import java.time.Duration;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;

/**
 * Spark starts beside the lab: until it is ready the engine says so, and runs wait in the queue.
 * A second engine over the lab's store runs against a Spark that is "still starting" until the test
 * hands it the lab's real (already listening) session.
 */
@LabTest
class SparkStartupTests {

    private static final Map<String, Object> SMALL = Map.of("rows", 10_000L);

    @Autowired
    Catalog catalog;

    @Autowired
    RunStore store;

    @Autowired
    SnapshotPublisher publisher;

    @Autowired
    LabProperties properties;

    @Autowired
    SparkSession spark;

    private final EmbeddedSpark starting = EmbeddedSpark.starting();
    private RunEngine engine;
    private Runs runs;

    @AfterEach
    void stopTheSecondEngine() {
        if (engine != null) {
            engine.shutdown();
        }
    }

    private void startEngine() {
        engine = new RunEngine(starting, store, publisher, properties);
        runs = new Runs(engine, new RunRequestValidator(catalog, properties), store);
    }

    @Test
    void while_spark_starts_the_engine_says_so_and_runs_wait_queued() {
        startEngine();
        SparkEngine info = new SparkEngine(starting, properties, engine);
        SparkHealthIndicator health = new SparkHealthIndicator(info);

        assertThat(info.info().state()).isEqualTo("starting");
        assertThat(info.info().alive()).isFalse();
        assertThat(info.info().sparkVersion()).startsWith("4.");
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.health().getDetails()).containsEntry("state", "starting");

        RunSnapshot submitted = runs.submit("aqe-coalesce", "fixed", SMALL, 600);
        String id = submitted.id();
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(2))
                .until(() -> runs.current(id).status() == RunStatus.QUEUED);
        assertThat(engine.queuedRuns()).isEqualTo(1);
        assertThat(info.info().queuedRuns()).isEqualTo(1);

        starting.readyWith(spark);

        // The first run of a fresh JVM can be slow on a loaded machine (class loading, JIT).
        RunSnapshot run = runs.awaitFinished(id, Duration.ofMinutes(10));
        assertThat(run.status()).as("error: %s", run.error()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.jobs()).isNotEmpty();
        assertThat(info.info().state()).isEqualTo("running");
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void a_run_cancelled_while_spark_starts_never_starts() {
        startEngine();
        RunSnapshot submitted = runs.submit("aqe-coalesce", "fixed", SMALL, 600);

        RunSnapshot cancelled = engine.cancel(submitted.id());
        RunSnapshot after = runs.awaitStatus(submitted.id(), RunStatus.CANCELLED, Duration.ofSeconds(10));

        assertThat(cancelled.status()).isIn(RunStatus.QUEUED, RunStatus.CANCELLED);
        assertThat(after.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(after.startedAt()).isNull();
        assertThat(after.jobs()).isEmpty();
        assertThat(engine.queuedRuns()).isZero();
    }

    @Test
    void when_spark_fails_to_start_queued_runs_fail_with_the_reason() {
        startEngine();
        RunSnapshot submitted = runs.submit("aqe-coalesce", "fixed", SMALL, 600);

        starting.failedWith(new IllegalStateException("no room for Spark"));

        RunSnapshot run = runs.awaitStatus(submitted.id(), RunStatus.FAILED, Duration.ofSeconds(10));
        assertThat(run.error().errorClass()).isEqualTo("SPARK_NOT_STARTED");
        assertThat(run.error().message()).contains("no room for Spark");
        assertThat(new SparkEngine(starting, properties, engine).info().state()).isEqualTo("failed");
    }
}
