package dev.breaklab.engine;

import static org.awaitility.Awaitility.await;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.Map;

/** Test helper: submit runs and wait for them, on the real engine. */
public final class Runs {

    private final RunEngine engine;
    private final RunStore store;

    public Runs(RunEngine engine, RunStore store) {
        this.engine = engine;
        this.store = store;
    }

    public RunSnapshot submit(String experiment, String variant) {
        return engine.submit(RunRequest.of(experiment, variant));
    }

    public RunSnapshot submit(String experiment, String variant, Map<String, Object> knobs, Integer timeoutSeconds) {
        return engine.submit(new RunRequest(experiment, variant, knobs, Map.of(), timeoutSeconds));
    }

    public RunSnapshot run(String experiment, String variant) {
        return awaitFinished(submit(experiment, variant).id(), Duration.ofMinutes(3));
    }

    public RunSnapshot run(RunRequest request) {
        return awaitFinished(engine.submit(request).id(), Duration.ofMinutes(3));
    }

    /** Runs a variant with Spark SQL settings over its own (e.g. AQE off), and waits for it. */
    public RunSnapshot run(String experiment, String variant, Map<String, String> confOverrides) {
        return awaitFinished(
                engine.submit(RunRequest.of(experiment, variant), confOverrides).id(), Duration.ofMinutes(3));
    }

    public RunSnapshot current(String id) {
        return store.find(id).orElseThrow();
    }

    public RunSnapshot awaitStatus(String id, RunStatus status, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> current(id).status() == status);
        return current(id);
    }

    /** Waits for a final status; the snapshot that carries it carries the evidence too. */
    public RunSnapshot awaitFinished(String id, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> current(id).status().finished());
        return current(id);
    }
}
