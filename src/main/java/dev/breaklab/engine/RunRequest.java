package dev.breaklab.engine;

import java.util.Map;

/**
 * What {@code POST /api/runs} takes.
 *
 * @param knobs knob values by name (JSON scalars); knobs left out take the variant's value
 * @param predictions answers by question id, given before the run
 * @param timeoutSeconds optional time limit for this run, at most {@code lab.runs.max-timeout}
 * @param playground the learner's own query instead of an experiment (then no experimentId,
 *     variant or knobs); checked by the playground's sandbox, not by {@link RunRequestValidator}
 */
public record RunRequest(
        String experimentId,
        String variant,
        Map<String, Object> knobs,
        Map<String, String> predictions,
        Integer timeoutSeconds,
        Playground playground) {

    public RunRequest {
        knobs = knobs == null ? Map.of() : knobs;
        predictions = predictions == null ? Map.of() : predictions;
    }

    public RunRequest(
            String experimentId,
            String variant,
            Map<String, Object> knobs,
            Map<String, String> predictions,
            Integer timeoutSeconds) {
        this(experimentId, variant, knobs, predictions, timeoutSeconds, null);
    }

    /**
     * A playground query: one read-only SQL query over the lab's datasets.
     *
     * @param conf Spark settings from the playground's short list, by their Spark key
     */
    public record Playground(String sql, Map<String, Object> conf) {

        public Playground {
            conf = conf == null ? Map.of() : conf;
        }
    }

    public static RunRequest of(String experimentId, String variant) {
        return new RunRequest(experimentId, variant, Map.of(), Map.of(), null);
    }
}
