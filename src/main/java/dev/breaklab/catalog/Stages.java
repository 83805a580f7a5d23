package dev.breaklab.catalog;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.telemetry.RunSnapshot;
import dev.breaklab.telemetry.RunSnapshot.StageSnapshot;
import dev.breaklab.telemetry.RunSnapshot.TaskSpan;
import dev.breaklab.telemetry.StageStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stage, task and SQL-metric questions the stage/partition/shuffle experiments ask of a finished
 * run. Everything here reads figures Spark reported; nothing is estimated.
 */
final class Stages {

    /** The completed stage that read the most shuffle data (the join or aggregate side); it must exist. */
    static StageSnapshot shuffleReadStage(RunSnapshot run) {
        return run.heaviestShuffleReadStage()
                .orElseThrow(() -> new IllegalStateException("no stage read shuffle data"));
    }

    private static final Pattern SIZE = Pattern.compile("([0-9][0-9,]*(?:\\.[0-9]+)?)\\s*(B|KiB|MiB|GiB|TiB)");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9,]*");

    private Stages() {}

    /** Shuffle exchanges in the final plans: {@code Exchange} nodes (not broadcasts, not reuses). */
    static long exchanges(RunSnapshot run) {
        return run.finalPlans().stream()
                .mapToLong(tree -> tree.count(n -> n.named("Exchange")))
                .sum();
    }

    /** Final-plan nodes whose name starts with {@code prefix} and that match {@code test}. */
    static List<PlanNode> nodes(RunSnapshot run, String prefix, Predicate<PlanNode> test) {
        return run.finalPlans().stream()
                .flatMap(PlanNode::stream)
                .filter(n -> n.nodeName().startsWith(prefix) && test.test(n))
                .toList();
    }

    static List<PlanNode> nodes(RunSnapshot run, String prefix) {
        return nodes(run, prefix, n -> true);
    }

    /**
     * The value of SQL metric {@code metric} summed over the final-plan nodes starting with {@code
     * prefix}. Sizes become bytes; counts lose their thousands separators. A metric Spark has not
     * reported counts as 0.
     */
    static long metric(RunSnapshot run, String prefix, String metric) {
        return nodes(run, prefix).stream()
                .flatMap(n -> n.metrics().stream())
                .filter(m -> m.name().equals(metric) && m.value() != null)
                .mapToLong(m -> parse(m.value()))
                .sum();
    }

    /**
     * Parses a metric value as Spark's status store formats it: {@code "1,000"}, {@code "2.0 MiB"},
     * or {@code "total (min, med, max (stageId: taskId))\n15.0 GiB (2.2 GiB, ...)"} (the total).
     */
    static long parse(String value) {
        String text = value.contains("\n") ? value.substring(value.indexOf('\n') + 1) : value;
        Matcher size = SIZE.matcher(text);
        if (size.find()) {
            double n = Double.parseDouble(size.group(1).replace(",", ""));
            long unit =
                    switch (size.group(2)) {
                        case "KiB" -> 1L << 10;
                        case "MiB" -> 1L << 20;
                        case "GiB" -> 1L << 30;
                        case "TiB" -> 1L << 40;
                        default -> 1L;
                    };
            return Math.round(n * unit);
        }
        Matcher number = NUMBER.matcher(text);
        return number.find() ? Long.parseLong(number.group().replace(",", "")) : 0;
    }

    /** Completed stage attempts that wrote shuffle output: the map sides of the run's shuffles. */
    static List<StageSnapshot> shuffleMapStages(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.shuffleWriteBytes() > 0)
                .toList();
    }

    /** The completed stage that kept the executors busiest (sum of task run time). */
    static Optional<StageSnapshot> busiestStage(RunSnapshot run) {
        return run.completedStages().stream().max(Comparator.comparingLong(StageSnapshot::executorRunTimeMs));
    }

    /** The completed stage that read the most input (files): the scan. */
    static Optional<StageSnapshot> scanStage(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.inputBytes() > 0)
                .max(Comparator.comparingLong(StageSnapshot::inputBytes));
    }

    /** The last completed stage of the run (highest stage id): the one that produced the result. */
    static Optional<StageSnapshot> lastStage(RunSnapshot run) {
        return run.completedStages().stream().max(Comparator.comparingInt(StageSnapshot::stageId));
    }

    /** Stage attempts reported as skipped: their shuffle output already existed. */
    static long skipped(RunSnapshot run) {
        return run.countStages(StageStatus.SKIPPED);
    }

    /**
     * The most tasks of one stage attempt that were running at the same moment, from the task
     * launch and finish times Spark reported: how many cores the stage actually used.
     */
    static int peakConcurrency(RunSnapshot run, StageSnapshot stage) {
        List<long[]> events = new ArrayList<>();
        for (TaskSpan span : run.timeline()) {
            if (span.stageId() == stage.stageId() && span.attemptId() == stage.attemptId() && span.finishTime() > 0) {
                events.add(new long[] {span.launchTime(), 1});
                events.add(new long[] {span.finishTime(), -1});
            }
        }
        // Ends sort before starts at the same millisecond: back-to-back tasks do not overlap.
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int running = 0;
        int peak = 0;
        for (long[] e : events) {
            running += (int) e[1];
            peak = Math.max(peak, running);
        }
        return peak;
    }

    /** A knob's value as the run recorded it. */
    static long knob(RunSnapshot run, String name) {
        Object value = run.knobs().get(name);
        if (!(value instanceof Number n)) {
            throw new IllegalStateException("the run has no numeric knob " + name);
        }
        return n.longValue();
    }

    /** Bytes for people: 1536 -> "1.5 KiB". */
    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Whole numbers for people: 1234567 -> "1,234,567". */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
