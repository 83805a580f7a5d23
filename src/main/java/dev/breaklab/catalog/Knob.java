package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.math.BigDecimal;
import java.util.List;

/**
 * A setting the learner can turn. Typed, ranged and explained; {@link #parse} is the single place
 * where input from the outside becomes a value, so the API and the browser agree on what is allowed.
 * A knob with {@code sparkConf} set is applied to the run's session as that Spark SQL setting. A
 * lesson's own knob gets its label and description from the lesson's text file ({@code knob <name>:
 * label}, see {@link LessonText}); the shared knobs of {@link Knobs} come with theirs.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(Knob.IntegerKnob.class),
    @JsonSubTypes.Type(Knob.DecimalKnob.class),
    @JsonSubTypes.Type(Knob.BooleanKnob.class),
    @JsonSubTypes.Type(Knob.ChoiceKnob.class)
})
public sealed interface Knob permits Knob.IntegerKnob, Knob.DecimalKnob, Knob.BooleanKnob, Knob.ChoiceKnob {

    String name();

    /** Null until the words are written in. */
    String label();

    String description();

    /** The Spark SQL setting this knob drives, or null when the experiment reads it itself. */
    String sparkConf();

    Object defaultValue();

    /** The allowed values in words, as error messages and the form show them. */
    String allowed();

    /** The value for {@code raw} (a JSON scalar), or {@link InvalidKnobException} saying what is allowed. */
    Object parse(Object raw);

    /** The same knob with its label and description. */
    Knob withWords(String label, String description);

    /** How the value is written into the Spark setting. */
    default String toConf(Object value) {
        return String.valueOf(value);
    }

    @JsonTypeName("integer")
    record IntegerKnob(
            String name,
            String label,
            String description,
            String sparkConf,
            Long defaultValue,
            long min,
            long max,
            String unit)
            implements Knob {

        public static IntegerKnob of(String name, long defaultValue, long min, long max, String unit) {
            return new IntegerKnob(name, null, null, null, defaultValue, min, max, unit);
        }

        @Override
        public IntegerKnob withWords(String label, String description) {
            return new IntegerKnob(name, label, description, sparkConf, defaultValue, min, max, unit);
        }

        public IntegerKnob conf(String key) {
            return new IntegerKnob(name, label, description, key, defaultValue, min, max, unit);
        }

        @Override
        public String allowed() {
            return range("an integer", min, max, unit);
        }

        @Override
        public Object parse(Object raw) {
            long value;
            if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
                value = ((Number) raw).longValue();
            } else if (raw instanceof Number n
                    && new BigDecimal(n.toString()).stripTrailingZeros().scale() <= 0) {
                value = n.longValue();
            } else {
                throw new InvalidKnobException(this, "must be " + allowed() + ", got " + describe(raw));
            }
            if (value < min || value > max) {
                throw new InvalidKnobException(this, "must be " + allowed() + ", got " + value);
            }
            return value;
        }
    }

    @JsonTypeName("decimal")
    record DecimalKnob(
            String name,
            String label,
            String description,
            String sparkConf,
            Double defaultValue,
            double min,
            double max,
            String unit)
            implements Knob {

        public static DecimalKnob of(String name, double defaultValue, double min, double max, String unit) {
            return new DecimalKnob(name, null, null, null, defaultValue, min, max, unit);
        }

        @Override
        public DecimalKnob withWords(String label, String description) {
            return new DecimalKnob(name, label, description, sparkConf, defaultValue, min, max, unit);
        }

        @Override
        public String allowed() {
            return range("a number", min, max, unit);
        }

        @Override
        public Object parse(Object raw) {
            if (!(raw instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                throw new InvalidKnobException(this, "must be " + allowed() + ", got " + describe(raw));
            }
            double value = n.doubleValue();
            if (value < min || value > max) {
                throw new InvalidKnobException(this, "must be " + allowed() + ", got " + value);
            }
            return value;
        }
    }

    @JsonTypeName("boolean")
    record BooleanKnob(String name, String label, String description, String sparkConf, Boolean defaultValue)
            implements Knob {

        public static BooleanKnob of(String name, boolean defaultValue) {
            return new BooleanKnob(name, null, null, null, defaultValue);
        }

        @Override
        public BooleanKnob withWords(String label, String description) {
            return new BooleanKnob(name, label, description, sparkConf, defaultValue);
        }

        public BooleanKnob conf(String key) {
            return new BooleanKnob(name, label, description, key, defaultValue);
        }

        @Override
        public String allowed() {
            return "true or false";
        }

        @Override
        public Object parse(Object raw) {
            if (raw instanceof Boolean b) {
                return b;
            }
            throw new InvalidKnobException(this, "must be " + allowed() + ", got " + describe(raw));
        }
    }

    @JsonTypeName("choice")
    record ChoiceKnob(
            String name, String label, String description, String sparkConf, String defaultValue, List<String> choices)
            implements Knob {

        public static ChoiceKnob of(String name, String defaultValue, List<String> choices) {
            return new ChoiceKnob(name, null, null, null, defaultValue, List.copyOf(choices));
        }

        @Override
        public ChoiceKnob withWords(String label, String description) {
            return new ChoiceKnob(name, label, description, sparkConf, defaultValue, choices);
        }

        @Override
        public String allowed() {
            return "one of " + String.join(", ", choices);
        }

        @Override
        public Object parse(Object raw) {
            if (raw instanceof String s && choices.contains(s)) {
                return s;
            }
            throw new InvalidKnobException(this, "must be " + allowed() + ", got " + describe(raw));
        }
    }

    /** "an integer from 1 to 10 (rows)": what a numeric knob allows, for its problem message. */
    private static String range(String what, Object min, Object max, String unit) {
        return what + " from " + min + " to " + max + (unit == null || unit.isEmpty() ? "" : " (" + unit + ")");
    }

    private static String describe(Object raw) {
        if (raw == null) {
            return "null";
        }
        if (raw instanceof String s) {
            return "\"" + s + "\"";
        }
        return raw.toString();
    }
}
