package dev.breaklab.run;

import dev.breaklab.plan.MetricText;
import dev.breaklab.plan.PlanNode;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Run questions about Spark's SQL metric text: an operator's metric as a number, a size setting as
 * bytes. The text itself is read by {@link MetricText}, the one parser of it in the lab (it lives in
 * plan/ so plans carry their numbers to the browser); sizes come back in bytes, timings in ms.
 */
public final class SparkMetricText {

    private SparkMetricText() {}

    /** The number a metric text stands for, or empty when it has none (blank, an average, garbage). */
    public static OptionalLong parse(String text) {
        return MetricText.parse(text);
    }

    /** The number a metric text stands for, 0 when it has none. */
    public static long parseOrZero(String text) {
        return parse(text).orElse(0);
    }

    /** The named metric of an operator as a number; empty when the operator has no such value. */
    public static OptionalLong value(PlanNode node, String metric) {
        return node.metrics().stream()
                .filter(m -> m.name().equals(metric) && m.value() != null)
                .findFirst()
                .map(m -> parse(m.value()))
                .orElse(OptionalLong.empty());
    }

    /** The named metric of an operator, 0 when Spark has not reported it. */
    public static long orZero(PlanNode node, String metric) {
        return value(node, metric).orElse(0);
    }

    /**
     * A byte-size setting as Spark's {@code JavaUtils.byteStringAs} reads it ({@code 10MB}, {@code
     * 1m}, {@code 10485760}, {@code -1}): binary units, a bare number in bytes.
     */
    public static long confBytes(String value, long fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < v.length() && (Character.isDigit(v.charAt(end)) || v.charAt(end) == '-' || v.charAt(end) == '.')) {
            end++;
        }
        try {
            double number = Double.parseDouble(v.substring(0, end));
            long scale =
                    switch (v.substring(end).strip()) {
                        case "", "b" -> 1L;
                        case "k", "kb", "kib" -> 1L << 10;
                        case "m", "mb", "mib" -> 1L << 20;
                        case "g", "gb", "gib" -> 1L << 30;
                        case "t", "tb", "tib" -> 1L << 40;
                        default -> 0L;
                    };
            return scale == 0 ? fallback : Math.round(number * scale);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
