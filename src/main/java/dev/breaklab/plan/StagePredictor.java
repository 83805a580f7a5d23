package dev.breaklab.plan;

import dev.breaklab.plan.StagePrediction.Boundary;
import dev.breaklab.plan.StagePrediction.PredictedStage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Predicts the stages of a query from its physical plan before it runs, the way one reads a plan
 * in the Spark UI: every {@code Exchange} is a shuffle boundary (the operators below it run in a
 * map stage that writes shuffle files, those above it in a stage that reads them), every
 * {@code BroadcastExchange} runs its build side as a job of its own, a {@code ReusedExchange}
 * reads output that already exists and adds nothing, and a range-partitioned exchange (a global
 * sort) first runs a sampling job to choose its partition bounds. A cached relation
 * ({@code InMemoryTableScan}) runs the stages under it only while the cache is cold.
 *
 * <p>Two operators shuffle without an {@code Exchange} node: {@code TakeOrderedAndProject} ({@code
 * ORDER BY ... LIMIT}) and {@code CollectLimit}. At the root of a collected plan they take rows on
 * the driver; anywhere else (under a write, as every lab run executes its query) Spark 4.2's {@code
 * doExecute} shuffles their rows into a single partition, a stage boundary the plan does not show.
 */
public final class StagePredictor {

    private StagePredictor() {}

    public static StagePrediction predict(PlanNode plan) {
        return predict(plan, Set.of());
    }

    /**
     * @param warmCaches cached relations (see {@link #cachedRelations}) an earlier action of the
     *     same run already filled: reading them runs none of the stages under them
     */
    public static StagePrediction predict(PlanNode plan, Set<String> warmCaches) {
        if (plan == null) {
            return StagePrediction.NONE;
        }
        // AQE wraps the query under any write command: OverwriteByExpression -> AdaptiveSparkPlan -> ...
        boolean adaptive = plan.anyMatch(n -> n.named("AdaptiveSparkPlan"));
        if (runsNoJob(plan)) {
            return new StagePrediction(List.of(), 0, adaptive, 0);
        }
        Walk walk = new Walk(warmCaches, top(plan));
        int result = walk.open(Boundary.RESULT, plan.simpleString());
        walk.visit(plan, result);
        int jobs = 1
                + (int) walk.stages.stream()
                        .filter(s -> s.boundary == Boundary.BROADCAST
                                || s.boundary == Boundary.SAMPLE
                                || s.boundary == Boundary.SUBQUERY)
                        .count();
        return new StagePrediction(walk.stages.stream().map(Draft::done).toList(), jobs, adaptive, walk.cachedStages);
    }

    /**
     * Plans that answer on the driver: a command with no query under it, or a local relation
     * collected as it is (e.g. after AQE or the optimizer proved a side empty).
     */
    static boolean runsNoJob(PlanNode plan) {
        PlanNode top = plan;
        while ((top.named("AdaptiveSparkPlan") || top.named("CommandResult"))
                && top.children().size() == 1) {
            top = top.children().get(0);
        }
        return top.children().isEmpty() && (top.nodeName().startsWith("Execute ") || top.named("LocalTableScan"));
    }

    /** The plan's first operator that does work: below the AQE and command wrappers. */
    static PlanNode top(PlanNode plan) {
        PlanNode top = plan;
        while ((wrapper(top) || top.named("CommandResult")) && top.children().size() == 1) {
            top = top.children().get(0);
        }
        return top;
    }

    /** A limit that, executed rather than collected, shuffles its rows to one partition itself. */
    static boolean isLimitShuffle(PlanNode node, PlanNode top) {
        return node != top && (node.named("TakeOrderedAndProject") || node.named("CollectLimit"));
    }

    static boolean isShuffle(PlanNode node) {
        return node.isShuffleExchange();
    }

    static boolean isBroadcast(PlanNode node) {
        return node.named("BroadcastExchange");
    }

    static boolean isRangePartitioned(PlanNode node) {
        return isShuffle(node) && node.simpleString().contains("rangepartitioning");
    }

    /** Wrappers that carry no work of their own; left out of the operator lists. */
    private static boolean wrapper(PlanNode node) {
        return node.nodeName().startsWith("WholeStageCodegen")
                || node.named("InputAdapter")
                || node.named("AdaptiveSparkPlan");
    }

    /**
     * The cached relations a plan reads (an {@code InMemoryTableScan} shows the plan that fills the
     * cache as its child), by a signature without expression ids so later queries match.
     */
    public static Set<String> cachedRelations(PlanNode plan) {
        Set<String> out = new HashSet<>();
        if (plan != null) {
            plan.stream().filter(n -> n.named("InMemoryTableScan")).forEach(n -> out.add(signature(n)));
        }
        return out;
    }

    static String signature(PlanNode scan) {
        StringBuilder text = new StringBuilder();
        scan.children().forEach(child -> child.stream()
                .forEach(n ->
                        text.append(n.simpleString().replaceAll("#\\d+L?", "")).append('\n')));
        return text.toString();
    }

    private static final class Walk {
        final List<Draft> stages = new ArrayList<>();
        final Set<String> warmCaches;
        final PlanNode top;
        int cachedStages;

        Walk(Set<String> warmCaches, PlanNode top) {
            this.warmCaches = warmCaches;
            this.top = top;
        }

        int open(Boundary boundary, String boundaryOperator) {
            Draft draft = new Draft(stages.size(), boundary, clip(boundaryOperator));
            stages.add(draft);
            return draft.index;
        }

        void visit(PlanNode node, int stage) {
            Draft current = stages.get(stage);
            if (node.named("ReusedExchange") || node.named("ReusedSubquery")) {
                // Reads what another part of the plan already produced: no stage of its own.
                current.operators.add(node.nodeName());
                return;
            }
            if (node.named("InMemoryTableScan") && warmCaches.contains(signature(node))) {
                // An earlier action filled this cache: the stages that compute it are skipped.
                current.operators.add("InMemoryTableScan (cached)");
                cachedStages += (int) node.count(n -> isShuffle(n) || isBroadcast(n));
                return;
            }
            if (isShuffle(node) || isBroadcast(node)) {
                int below = open(isShuffle(node) ? Boundary.SHUFFLE : Boundary.BROADCAST, node.simpleString());
                current.parents.add(below);
                if (isRangePartitioned(node)) {
                    int sample = open(Boundary.SAMPLE, node.simpleString());
                    stages.get(sample).operators.add("(samples the input of " + node.nodeName() + ")");
                }
                for (PlanNode child : node.children()) {
                    visit(child, below);
                }
                stages.get(below).operators.add(0, node.nodeName());
                return;
            }
            if (isLimitShuffle(node, top)) {
                // The final take runs here, after the shuffle; the local take before it, in the map stage.
                current.operators.add(node.nodeName());
                int below = open(Boundary.LIMIT_SHUFFLE, node.simpleString());
                current.parents.add(below);
                stages.get(below).operators.add("(local " + node.nodeName() + ")");
                for (PlanNode child : node.children()) {
                    visit(child, below);
                }
                return;
            }
            if (node.named("Subquery") || node.named("SubqueryExec")) {
                int sub = open(Boundary.SUBQUERY, node.simpleString());
                current.parents.add(sub);
                for (PlanNode child : node.children()) {
                    visit(child, sub);
                }
                return;
            }
            if (!wrapper(node)) {
                current.operators.add(node.nodeName());
            }
            for (PlanNode child : node.children()) {
                visit(child, stage);
            }
        }
    }

    private static final class Draft {
        final int index;
        final Boundary boundary;
        final String boundaryOperator;
        final List<String> operators = new ArrayList<>();
        final List<Integer> parents = new ArrayList<>();

        Draft(int index, Boundary boundary, String boundaryOperator) {
            this.index = index;
            this.boundary = boundary;
            this.boundaryOperator = boundaryOperator;
        }

        PredictedStage done() {
            return new PredictedStage(index, boundary, boundaryOperator, List.copyOf(operators), List.copyOf(parents));
        }
    }

    private static String clip(String text) {
        return text == null || text.length() <= 160 ? text : text.substring(0, 160) + "...";
    }
}
