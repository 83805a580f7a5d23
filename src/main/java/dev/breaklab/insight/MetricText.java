package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Reads Spark's SQL metric strings back into numbers. Spark stores them formatted for its UI:
 * {@code "1,194"} for counts, {@code "10.8 MiB"} for sizes, {@code "43 ms"} or {@code "1.2 s"} for
 * times, and for per-task metrics {@code "total (min, med, max (stageId: taskId))\n10.2 MiB (...)"},
 * where the first figure on the second line is the total.
 */
final class MetricText {

    private MetricText() {}

    /** The named metric of an operator, as a number (bytes, milliseconds or a count). */
    static OptionalLong of(PlanNode node, String name) {
        return node.metrics().stream()
                .filter(m -> m.name().equals(name) && m.value() != null)
                .findFirst()
                .map(m -> parse(m.value()))
                .orElse(OptionalLong.empty());
    }

    static long orZero(PlanNode node, String name) {
        return of(node, name).orElse(0);
    }

    static OptionalLong parse(String text) {
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        String value = text.trim();
        int newline = value.indexOf('\n');
        if (newline >= 0) {
            value = value.substring(newline + 1).trim();
        }
        int paren = value.indexOf(" (");
        if (paren > 0) {
            value = value.substring(0, paren).trim();
        }
        String[] parts = value.split("\\s+");
        try {
            double number = Double.parseDouble(parts[0].replace(",", ""));
            double unit = parts.length < 2 ? 1 : unit(parts[1]);
            return unit < 0 ? OptionalLong.empty() : OptionalLong.of(Math.round(number * unit));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static double unit(String unit) {
        return switch (unit.toUpperCase(Locale.ROOT)) {
            case "B" -> 1;
            case "KIB", "KB" -> 1024d;
            case "MIB", "MB" -> 1024d * 1024;
            case "GIB", "GB" -> 1024d * 1024 * 1024;
            case "TIB", "TB" -> 1024d * 1024 * 1024 * 1024;
            case "MS" -> 1;
            case "S" -> 1_000;
            case "M" -> 60_000;
            case "H" -> 3_600_000;
            default -> -1;
        };
    }

    /**
     * A byte-size setting as Spark reads it ({@code 10MB}, {@code 1m}, {@code 10485760},
     * {@code -1}): binary units, a bare number in bytes.
     */
    static long confBytes(String value, long fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < v.length() && (Character.isDigit(v.charAt(end)) || v.charAt(end) == '-' || v.charAt(end) == '.')) {
            end++;
        }
        try {
            double number = Double.parseDouble(v.substring(0, end));
            String unit = v.substring(end).trim();
            long scale =
                    switch (unit) {
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

    /** Bytes for people: {@code 10.8 MiB}. */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int i = -1;
        while (value >= 1024 && i < units.length - 1) {
            value /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[i]);
    }

    /** A share or ratio rounded to two decimals, for {@code numbers}. */
    static double share(double value) {
        return Math.round(value * 100) / 100.0;
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.1fx", ratio);
    }
}
