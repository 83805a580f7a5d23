package dev.breaklab.run;

import dev.breaklab.plan.PlanNode;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads Spark's SQL metric text back into numbers: the one parser of it in the lab (the browser gets
 * the parsed value from the server). Spark 4.2's {@code SQLMetrics.stringValue} prints
 *
 * <ul>
 *   <li>sums as grouped integers: {@code "1,194"};
 *   <li>sizes with {@code Utils.bytesToString}: {@code "10.8 MiB"}, {@code "512.0 B"};
 *   <li>timings with {@code Utils.msDurationToString}: {@code "43 ms"}, {@code "1.2 s"}, {@code "2.5 m"},
 *       {@code "1.25 h"};
 *   <li>per-task sizes and timings over several tasks as {@code "total (min, med, max (stageId:
 *       taskId))\n10.2 MiB (1.0 MiB, 2.0 MiB, 3.0 MiB (stage 3.0: task 12))"}, whose total is the
 *       first figure of the second line;
 *   <li>averages over several tasks as {@code "\n(1.0, 1.5, 2.0 (stage 3.0: task 12))"}: no total, so
 *       no single number.
 * </ul>
 *
 * Sizes come back in bytes, timings in milliseconds.
 */
public final class SparkMetricText {

    private static final Map<String, Double> UNITS = Map.ofEntries(
            Map.entry("B", 1d),
            Map.entry("KIB", 0x1p10),
            Map.entry("MIB", 0x1p20),
            Map.entry("GIB", 0x1p30),
            Map.entry("TIB", 0x1p40),
            Map.entry("PIB", 0x1p50),
            Map.entry("EIB", 0x1p60),
            Map.entry("MS", 1d),
            Map.entry("S", 1_000d),
            Map.entry("M", 60_000d),
            Map.entry("H", 3_600_000d));

    private static final String TASK_HEADER_END = "(stageId: taskId))";

    private SparkMetricText() {}

    /** The number a metric text stands for, or empty when it has none (blank, an average, garbage). */
    public static OptionalLong parse(String text) {
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        String value = text.strip();
        // The header of a per-task figure ends the first line; some copies of it lose the line break.
        int header = value.indexOf(TASK_HEADER_END);
        if (header >= 0) {
            value = value.substring(header + TASK_HEADER_END.length()).strip();
        }
        int newline = value.indexOf('\n');
        if (newline >= 0) {
            value = value.substring(newline + 1).strip();
        }
        int paren = value.indexOf('(');
        if (paren == 0) {
            return OptionalLong.empty();
        }
        if (paren > 0) {
            value = value.substring(0, paren).strip();
        }
        String[] parts = value.split("\\s+");
        if (parts.length > 2) {
            return OptionalLong.empty();
        }
        try {
            double number = Double.parseDouble(parts[0].replace(",", ""));
            Double unit = parts.length < 2 ? Double.valueOf(1) : UNITS.get(parts[1].toUpperCase(Locale.ROOT));
            return unit == null ? OptionalLong.empty() : OptionalLong.of(Math.round(number * unit));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
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
