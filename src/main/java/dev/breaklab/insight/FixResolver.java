package dev.breaklab.insight;

import dev.breaklab.insight.ExperimentFixes.VariantSettings;
import dev.breaklab.run.FixAction;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a fix expressed as Spark settings into a run the learner can start in one click: a variant
 * of the same experiment that already sets them, else the experiment's knobs that control them,
 * else (for a problem, not an explanation) the experiment's {@code fixed} variant.
 */
final class FixResolver {

    private FixResolver() {}

    static FixAction resolve(Observation observation, String currentVariant, Optional<ExperimentFixes> fixes) {
        if (fixes.isEmpty()) {
            return null;
        }
        ExperimentFixes experiment = fixes.get();
        Map<String, String> wanted = observation.fixConf();
        if (!wanted.isEmpty()) {
            Optional<VariantSettings> variant = experiment.variants().stream()
                    .filter(v -> !v.name().equals(currentVariant))
                    .filter(v -> wanted.entrySet().stream().allMatch(e -> e.getValue()
                            .equalsIgnoreCase(v.conf().getOrDefault(e.getKey(), ""))))
                    .sorted((a, b) ->
                            Boolean.compare(!a.name().equals("fixed"), !b.name().equals("fixed")))
                    .findFirst();
            if (variant.isPresent()) {
                return new FixAction(variant.get().name(), Map.of(), wanted);
            }
            Map<String, Object> knobs = new LinkedHashMap<>();
            experiment.knobConf().forEach((knob, key) -> {
                if (wanted.containsKey(key)) {
                    knobs.put(knob, knobValue(wanted.get(key)));
                }
            });
            if (knobs.size() == wanted.size()) {
                return new FixAction(currentVariant, knobs, wanted);
            }
        }
        if (observation.severity() != Severity.INFO
                && !"fixed".equals(currentVariant)
                && experiment.variants().stream().anyMatch(v -> v.name().equals("fixed"))) {
            return new FixAction("fixed", Map.of(), wanted);
        }
        return null;
    }

    /** Setting values as Spark reads them: {@code 10m} is {@code 10MB} is {@code 10485760}. */
    static boolean same(String wanted, String actual) {
        if (actual == null) {
            return false;
        }
        if (wanted.equalsIgnoreCase(actual.trim())) {
            return true;
        }
        long a = SparkMetricText.confBytes(wanted, Long.MIN_VALUE);
        return a != Long.MIN_VALUE && a == SparkMetricText.confBytes(actual, Long.MAX_VALUE);
    }

    private static Object knobValue(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return value;
        }
    }
}
