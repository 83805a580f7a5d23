package dev.breaklab.insight;

import java.util.List;
import java.util.Map;

/**
 * An experiment's ways to run, as far as fixes care: each variant's Spark settings and knob
 * values, and which knob sets which Spark setting.
 *
 * @param knobConf knob name to the Spark SQL setting it controls
 */
public record ExperimentFixes(List<VariantSettings> variants, Map<String, String> knobConf) {

    public ExperimentFixes {
        variants = List.copyOf(variants);
        knobConf = Map.copyOf(knobConf);
    }

    public record VariantSettings(String name, Map<String, String> conf, Map<String, Object> knobs) {
        public VariantSettings {
            conf = Map.copyOf(conf);
            knobs = Map.copyOf(knobs);
        }
    }
}
