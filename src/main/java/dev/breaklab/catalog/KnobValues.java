package dev.breaklab.catalog;

import java.util.Map;

/** A run's knob values after validation: every knob of the experiment is present and typed. */
public record KnobValues(Map<String, Object> values) {

    public KnobValues {
        values = Map.copyOf(values);
    }

    public long integer(String name) {
        return ((Number) get(name)).longValue();
    }

    public int intValue(String name) {
        return Math.toIntExact(integer(name));
    }

    public double decimal(String name) {
        return ((Number) get(name)).doubleValue();
    }

    public boolean bool(String name) {
        return (Boolean) get(name);
    }

    public String choice(String name) {
        return (String) get(name);
    }

    private Object get(String name) {
        Object value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("No knob named " + name);
        }
        return value;
    }
}
