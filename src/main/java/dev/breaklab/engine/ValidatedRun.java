package dev.breaklab.engine;

import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.catalog.Variant;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run request that passed {@link RunRequestValidator}: what the engine queues.
 *
 * @param knobs every knob of the experiment, typed, the variant's and the request's values applied
 * @param conf the Spark SQL settings the run's session gets (the variant's and its knobs')
 * @param predictions the learner's answers by question id, each a valid answer
 * @param timeout the run's time limit
 */
public record ValidatedRun(
        Experiment experiment,
        Variant variant,
        KnobValues knobs,
        Map<String, String> conf,
        Map<String, String> predictions,
        Duration timeout) {

    public ValidatedRun {
        conf = Collections.unmodifiableMap(new LinkedHashMap<>(conf));
        predictions = Map.copyOf(predictions);
    }
}
