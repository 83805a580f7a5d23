package dev.breaklab.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Spark's SQL metric text back into numbers: the one parser of it in the lab (plans carry the
 * numbers to the browser as {@link PlanNode.PlanMetric#amount()} and {@link
 * PlanNode.PlanMetric#spread()}; run questions read them through {@code run/SparkMetricText}). Spark
 * 4.2's {@code SQLMetrics.stringValue} prints
 *
 * <ul>
 *   <li>sums as grouped integers: {@code "1,194"};
 *   <li>sizes with {@code Utils.bytesToString}: {@code "10.8 MiB"}, {@code "512.0 B"};
 *   <li>timings with {@code Utils.msDurationToString}: {@code "43 ms"}, {@code "1.2 s"}, {@code "2.5 m"},
 *       {@code "1.25 h"};
 *   <li>per-task sizes and timings over several tasks as {@code "total (min, med, max (stageId:
 *       taskId))\n10.2 MiB (1.0 MiB, 2.0 MiB, 3.0 MiB (stage 3.0: task 12))"}, whose total is the
 *       first figure of the second line ({@code (driver)} instead of the stage and task when the
 *       driver reported it);
 *   <li>averages over several tasks as {@code "\n(1.0, 1.5, 2.0 (stage 3.0: task 12))"}: no total, so
 *       no single number, but a spread.
 * </ul>
 *
 * Sizes come back in bytes, timings in milliseconds.
 */
public final class MetricText {

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

    /** {@code (min, med, max (stage 3.0: task 12))} or {@code (min, med, max (driver))}. */
    private static final Pattern SPREAD =
            Pattern.compile("\\(([^,()]+), ([^,()]+), ([^,()]+) \\((?:stage ([\\d.]+): task (\\d+)|driver)\\)\\)\\s*$");

    /** The max over median from which a per-task spread is called skewed: the insight rules' default. */
    static final double SKEW_RATIO = 5;

    private MetricText() {}

    /**
     * How the tasks of one operator differed: Spark's min, median and max over the tasks, and the
     * task that had the max.
     *
     * @param min the smallest task's figure, in bytes or milliseconds (or the average's own unit)
     * @param stage the stage attempt of the max task, e.g. {@code 3.0}; null when the driver reported
     * @param task the task id of the max task; null when the driver reported
     */
    public record Spread(double min, double med, double max, String stage, Long task) {

        /**
         * One task far above the median ({@value MetricText#SKEW_RATIO}x, the lab's straggler
         * ratio), or, with a median of nothing, one task that did all the work (more than 1,000).
         */
        @JsonProperty("skewed")
        public boolean skewed() {
            return med > 0 ? max / med >= SKEW_RATIO : min == 0 && max > 1_000;
        }
    }

    /** The number a metric text stands for, or empty when it has none (blank, an average, garbage). */
    public static OptionalLong parse(String text) {
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        String value = figures(text);
        int paren = value.indexOf('(');
        if (paren == 0) {
            return OptionalLong.empty();
        }
        if (paren > 0) {
            value = value.substring(0, paren).strip();
        }
        double number = number(value);
        return Double.isNaN(number) ? OptionalLong.empty() : OptionalLong.of(Math.round(number));
    }

    /** The per-task spread of a metric text, when Spark printed one. */
    public static Optional<Spread> spread(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Matcher m = SPREAD.matcher(figures(text));
        if (!m.find()) {
            return Optional.empty();
        }
        double min = number(m.group(1));
        double med = number(m.group(2));
        double max = number(m.group(3));
        if (Double.isNaN(min) || Double.isNaN(med) || Double.isNaN(max)) {
            return Optional.empty();
        }
        return Optional.of(new Spread(min, med, max, m.group(4), m.group(5) == null ? null : Long.valueOf(m.group(5))));
    }

    /** The line with the figures: without the per-task header when there is one. */
    private static String figures(String text) {
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
        return value;
    }

    /** {@code "1,194"}, {@code "10.8 MiB"}, {@code "1.2 s"} as a number in bytes or ms; NaN if none. */
    private static double number(String figure) {
        String[] parts = figure.strip().split("\\s+");
        if (parts.length > 2 || parts[0].isEmpty()) {
            return Double.NaN;
        }
        try {
            double number = Double.parseDouble(parts[0].replace(",", ""));
            Double unit = parts.length < 2 ? Double.valueOf(1) : UNITS.get(parts[1].toUpperCase(Locale.ROOT));
            return unit == null ? Double.NaN : number * unit;
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
