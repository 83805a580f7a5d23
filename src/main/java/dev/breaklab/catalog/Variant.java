package dev.breaklab.catalog;

import java.util.Map;

/**
 * One way to run an experiment: knob values (defaults the learner can still change) and Spark SQL
 * settings applied to the run's own session. Its title and description are prose in the lesson's text
 * file ({@code variant <name>: title}, see {@link LessonText}), written in when the definition is built.
 */
public record Variant(
        String name, String title, String description, Map<String, Object> knobs, Map<String, String> conf) {

    public Variant {
        knobs = Map.copyOf(knobs);
        conf = Map.copyOf(conf);
    }

    public static Variant of(String name) {
        return new Variant(name, null, null, Map.of(), Map.of());
    }

    Variant withText(String title, String description) {
        return new Variant(name, title, description, knobs, conf);
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
