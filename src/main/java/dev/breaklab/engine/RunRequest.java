package dev.breaklab.engine;

import java.util.Map;

/**
 * What {@code POST /api/runs} takes.
 *
 * @param knobs knob values by name (JSON scalars); knobs left out take the variant's value
 * @param predictions answers by question id, given before the run
 * @param timeoutSeconds optional time limit for this run, at most {@code lab.runs.max-timeout}
 */
public record RunRequest(
        String experimentId,
        String variant,
        Map<String, Object> knobs,
        Map<String, String> predictions,
        Integer timeoutSeconds) {

    public RunRequest {
        knobs = knobs == null ? Map.of() : knobs;
        predictions = predictions == null ? Map.of() : predictions;
    }

    public static RunRequest of(String experimentId, String variant) {
        return new RunRequest(experimentId, variant, Map.of(), Map.of(), null);
    }
}
