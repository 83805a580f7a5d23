package dev.breaklab.insight;

import dev.breaklab.run.Severity;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A rule's finding before its fix is turned into a run: {@code fixConf} holds the Spark settings
 * the fix changes, which {@link FixResolver} maps onto a variant or knobs of the experiment.
 */
record Observation(
        String kind,
        Severity severity,
        Integer stageId,
        String operator,
        String summary,
        String detail,
        String fix,
        Map<String, Object> numbers,
        Map<String, String> fixConf) {

    Observation {
        numbers = Collections.unmodifiableMap(new LinkedHashMap<>(numbers));
        fixConf = Collections.unmodifiableMap(new LinkedHashMap<>(fixConf));
    }

    /** Starts an observation: {@code Observation.of(KIND, Severity.WARNING).stage(3).summary(...)...build()}. */
    static Builder of(String kind, Severity severity) {
        return new Builder(kind, severity);
    }

    /** Named parts instead of nine positions; the summary is formatted in {@link Locale#ROOT}. */
    static final class Builder {
        private final String kind;
        private final Severity severity;
        private Integer stageId;
        private String operator;
        private String summary;
        private String detail = "";
        private String fix = "";
        private Map<String, Object> numbers = Map.of();
        private Map<String, String> fixConf = Map.of();

        private Builder(String kind, Severity severity) {
            this.kind = kind;
            this.severity = severity;
        }

        Builder stage(Integer stageId) {
            this.stageId = stageId;
            return this;
        }

        Builder operator(String operator) {
            this.operator = operator;
            return this;
        }

        Builder summary(String format, Object... args) {
            this.summary = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
            return this;
        }

        Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        Builder fix(String fix) {
            this.fix = fix;
            return this;
        }

        /** Ordered name/value pairs: {@code numbers("tasks", 8, "medianMs", 12)}. */
        Builder numbers(Object... pairs) {
            return numbers(Observation.numbers(pairs));
        }

        Builder numbers(Map<String, Object> numbers) {
            this.numbers = numbers;
            return this;
        }

        /** The Spark settings the fix changes, as pairs. */
        Builder fixConf(String... pairs) {
            return fixConf(Observation.conf(pairs));
        }

        Builder fixConf(Map<String, String> fixConf) {
            this.fixConf = fixConf;
            return this;
        }

        Observation build() {
            return new Observation(kind, severity, stageId, operator, summary, detail, fix, numbers, fixConf);
        }
    }

    /** Ordered name/value pairs: {@code numbers("tasks", 8, "medianMs", 12)}. */
    static Map<String, Object> numbers(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            out.put((String) pairs[i], pairs[i + 1]);
        }
        return out;
    }

    static Map<String, String> conf(String... pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1]);
        }
        return out;
    }
}
