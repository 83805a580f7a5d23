package dev.breaklab.catalog;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.telemetry.RunSnapshot;
import java.util.List;

/** Plan questions experiments ask of a finished run. */
public final class Plans {

    private static final List<String> JOINS = List.of(
            "BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin", "BroadcastNestedLoopJoin", "CartesianProduct");

    private Plans() {}

    /** The join operator in the run's final plan(s), or "none". */
    public static String joinStrategy(RunSnapshot run) {
        return run.finalPlans().stream()
                .flatMap(PlanNode::stream)
                .map(PlanNode::nodeName)
                .map(name -> JOINS.stream().filter(name::startsWith).findFirst().orElse(null))
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse("none");
    }

    /**
     * Whether a final plan has the operator with {@code marker} in its name or arguments. Spark puts
     * some markers in the node name itself, e.g. {@code SortMergeJoin(skew=true)}.
     */
    public static boolean finalPlanHas(RunSnapshot run, String nodeName, String marker) {
        return run.anyFinalPlanNode(n -> n.nodeName().startsWith(nodeName)
                && (n.nodeName().contains(marker) || n.simpleString().contains(marker)));
    }

    /** Whether any AQE re-plan changed the plan Spark started with. */
    public static boolean aqeChangedPlan(RunSnapshot run) {
        return run.sql().stream().anyMatch(sql -> sql.plans().stream()
                .anyMatch(p -> p.cause() == RunSnapshot.PlanCause.AQE_UPDATE
                        && !p.text().equals(sql.plans().get(0).text())));
    }

    /** Stages that actually ran (complete or failed attempts; skipped ones excluded), by stage id. */
    public static long stagesRun(RunSnapshot run) {
        return run.stages().stream()
                .filter(s -> s.status() == dev.breaklab.telemetry.StageStatus.COMPLETE
                        || s.status() == dev.breaklab.telemetry.StageStatus.FAILED)
                .map(RunSnapshot.StageSnapshot::stageId)
                .distinct()
                .count();
    }
}
