package dev.breaklab.catalog;

import java.util.Map;

/**
 * One way to run an experiment: knob values (defaults the learner can still change) and Spark SQL
 * settings applied to the run's own session.
 */
public record Variant(
        String name, String title, String description, Map<String, Object> knobs, Map<String, String> conf) {

    public Variant {
        knobs = Map.copyOf(knobs);
        conf = Map.copyOf(conf);
    }

    public static Variant of(String name, String title, String description) {
        return new Variant(name, title, description, Map.of(), Map.of());
    }

    public Variant withKnob(String knob, Object value) {
        var copy = new java.util.HashMap<>(knobs);
        copy.put(knob, value);
        return new Variant(name, title, description, copy, conf);
    }

    public Variant withConf(String key, String value) {
        var copy = new java.util.HashMap<>(conf);
        copy.put(key, value);
        return new Variant(name, title, description, knobs, copy);
    }
}
