package dev.breaklab.engine;

import static org.awaitility.Awaitility.await;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test helper: submit runs and wait for them, on the real engine. A request takes the path the API
 * gives it: {@link RunRequestValidator} first (bad input never reaches the engine), then the engine
 * queues the {@link ValidatedRun}.
 */
public final class Runs {

    private final RunEngine engine;
    private final RunRequestValidator validator;
    private final RunStore store;

    public Runs(RunEngine engine, RunRequestValidator validator, RunStore store) {
        this.engine = engine;
        this.validator = validator;
        this.store = store;
    }

    public RunSnapshot submit(RunRequest request) {
        return engine.submit(validator.validate(request));
    }

    public RunSnapshot submit(String experiment, String variant) {
        return submit(RunRequest.of(experiment, variant));
    }

    public RunSnapshot submit(String experiment, String variant, Map<String, Object> knobs, Integer timeoutSeconds) {
        return submit(new RunRequest(experiment, variant, knobs, Map.of(), timeoutSeconds));
    }

    public RunSnapshot run(String experiment, String variant) {
        return run(RunRequest.of(experiment, variant));
    }

    public RunSnapshot run(RunRequest request) {
        return run(request, Duration.ofMinutes(3));
    }

    public RunSnapshot run(RunRequest request, Duration within) {
        return awaitFinished(submit(request).id(), within);
    }

    /**
     * Runs a variant with Spark SQL settings over its own (e.g. AQE off to check the stage
     * predictor), and waits for it: the validated run with the overrides merged over its settings.
     */
    public RunSnapshot run(String experiment, String variant, Map<String, String> confOverrides) {
        ValidatedRun run = validator.validate(RunRequest.of(experiment, variant));
        Map<String, String> conf = new LinkedHashMap<>(run.conf());
        conf.putAll(confOverrides);
        ValidatedRun overridden =
                new ValidatedRun(run.experiment(), run.variant(), run.knobs(), conf, run.predictions(), run.timeout());
        return awaitFinished(engine.submit(overridden).id(), Duration.ofMinutes(3));
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
