package dev.breaklab.catalog;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.telemetry.RunSnapshot;
import dev.breaklab.telemetry.RunSnapshot.PlanCause;
import dev.breaklab.telemetry.RunSnapshot.PlanVersion;
import dev.breaklab.telemetry.RunSnapshot.StageSnapshot;
import dev.breaklab.telemetry.StageStatus;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Plan and metric questions the join, cache and AQE experiments ask of a finished run. Kept apart
 * from {@link Plans} so that parallel work on the catalog does not collide in one file.
 */
final class Joins {

    private static final List<String> JOINS = List.of(
            "BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin", "BroadcastNestedLoopJoin", "CartesianProduct");

    private Joins() {}

    /** The first join operator of a plan tree, or "none". */
    static String joinIn(PlanNode tree) {
        return tree.stream()
                .map(PlanNode::nodeName)
                .map(name -> JOINS.stream().filter(name::startsWith).findFirst().orElse(null))
                .filter(Objects::nonNull)
                .findFirst()
                .orElse("none");
    }

    /** The join operator of the plan Spark started with (before any AQE re-plan), or "none". */
    static String initialJoinStrategy(RunSnapshot run) {
        return run.sql().stream()
                .flatMap(s -> s.plans().stream().limit(1))
                .map(v -> joinIn(v.tree()))
                .filter(j -> !j.equals("none"))
                .findFirst()
                .orElse("none");
    }

    /** Operators of every final plan of the run matching {@code test}. */
    static long countFinal(RunSnapshot run, Predicate<PlanNode> test) {
        return run.finalPlans().stream().mapToLong(tree -> tree.count(test)).sum();
    }

    /** Shuffle exchanges (Spark names the operator "Exchange") in the run's final plans. */
    static long shuffleExchanges(RunSnapshot run) {
        return countFinal(run, n -> n.named("Exchange") || n.named("ShuffleExchange"));
    }

    static boolean finalHas(RunSnapshot run, String nodeNamePrefix) {
        return run.anyFinalPlanNode(n -> n.nodeName().startsWith(nodeNamePrefix));
    }

    /** How many plan versions AQE published after the initial plan (0 without AQE). */
    static long aqeUpdates(RunSnapshot run) {
        return run.planVersions().stream()
                .filter(v -> v.cause() == PlanCause.AQE_UPDATE)
                .count();
    }

    /** The initial plan of the run's first SQL execution that has a plan. */
    static Optional<PlanVersion> initialPlan(RunSnapshot run) {
        return run.sql().stream().flatMap(s -> s.plans().stream().limit(1)).findFirst();
    }

    /** Total shuffle bytes written by the run's completed stages. */
    static long shuffleWritten(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::shuffleWriteBytes)
                .sum();
    }

    /** Completed stages that wrote shuffle data: one per map side of every shuffle that really ran. */
    static long shuffleMapStages(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.shuffleWriteBytes() > 0)
                .map(StageSnapshot::stageId)
                .distinct()
                .count();
    }

    /** The completed stage that read shuffle data and ran the most tasks: the post-shuffle side. */
    static Optional<StageSnapshot> widestShuffleReadStage(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.shuffleReadBytes() > 0)
                .max(java.util.Comparator.comparingInt(StageSnapshot::numTasks)
                        .thenComparingLong(StageSnapshot::shuffleReadBytes));
    }

    static long countStages(RunSnapshot run, StageStatus status) {
        return run.stages().stream()
                .filter(s -> s.status() == status)
                .map(StageSnapshot::stageId)
                .distinct()
                .count();
    }

    /**
     * A SQL metric's value as a number: Spark formats counts with grouping commas ("1,000"), and sizes
     * and timings as "12.3 MiB" or, summed over tasks, "total (min, med, max (stageId: taskId)) 12.3
     * MiB (...)"; sizes come back in bytes, timings in milliseconds.
     */
    static long metricValue(PlanNode node, String metricName) {
        return node.metrics().stream()
                .filter(m -> m.name().equals(metricName) && m.value() != null)
                .mapToLong(m -> parseMetric(m.value()))
                .sum();
    }

    /** Sum of a metric over every operator named {@code nodeName} in the final plans. */
    static long finalMetric(RunSnapshot run, String nodeName, String metricName) {
        return run.finalPlans().stream()
                .flatMap(PlanNode::stream)
                .filter(n -> n.nodeName().startsWith(nodeName))
                .mapToLong(n -> metricValue(n, metricName))
                .sum();
    }

    static long parseMetric(String value) {
        String text = value.strip();
        int total = text.indexOf("taskId))");
        if (total >= 0) {
            text = text.substring(total + "taskId))".length()).strip();
        }
        int paren = text.indexOf(" (");
        if (paren >= 0) {
            text = text.substring(0, paren).strip();
        }
        String[] parts = text.replace(",", "").split("\\s+");
        try {
            double number = Double.parseDouble(parts[0]);
            double unit = parts.length < 2
                    ? 1
                    : switch (parts[1].toUpperCase(Locale.ROOT)) {
                        case "KIB", "KB" -> 1024d;
                        case "MIB", "MB" -> 1024d * 1024;
                        case "GIB", "GB" -> 1024d * 1024 * 1024;
                        case "TIB", "TB" -> 1024d * 1024 * 1024 * 1024;
                        case "MS" -> 1;
                        case "S" -> 1000;
                        case "M" -> 60_000;
                        case "H" -> 3_600_000;
                        default -> 1;
                    };
            return Math.round(number * unit);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1024d / 1024d);
    }
}
