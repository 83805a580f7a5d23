package dev.breaklab.insight;

import dev.breaklab.run.Severity;
import java.util.Collections;
import java.util.LinkedHashMap;
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
