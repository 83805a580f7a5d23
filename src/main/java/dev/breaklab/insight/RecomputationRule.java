package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.SqlSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same source computed again by every action: each action is a query of its own, and without
 * persist() nothing carries over from one to the next (a DataFrame is a recipe, not a result).
 * Read from the plans: the same source scan, outside any {@code InMemoryTableScan}, in several
 * SQL executions of the run.
 */
record RecomputationRule() implements Rule {

    static final String KIND = "recomputation";

    @Override
    public List<Observation> check(Subject subject) {
        Map<String, Integer> executions = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (SqlSnapshot sql : subject.run().sql()) {
            PlanNode plan = sql.finalPlan().map(PlanVersion::tree).orElse(null);
            if (plan == null) {
                continue;
            }
            List<PlanNode> scans = new ArrayList<>();
            uncachedScans(plan, scans);
            scans.stream()
                    .map(RecomputationRule::signature)
                    .distinct()
                    .forEach(s -> executions.merge(s, 1, Integer::sum));
            for (PlanNode scan : scans) {
                rows.merge(signature(scan), SparkMetricText.orZero(scan, "number of output rows"), Long::sum);
            }
        }
        List<Observation> out = new ArrayList<>();
        executions.forEach((scan, count) -> {
            if (count < 2) {
                return;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(scan)
                    .summary(
                            "%d actions each read the same source again (%s), %,d rows in all",
                            count, scan, rows.getOrDefault(scan, 0L))
                    .detail(
                            "Every action (count, collect, write...) runs a query of its own, and a DataFrame is a recipe,"
                                    + " not a result: without persist() each action reads the source and redoes every"
                                    + " shuffle again. Stages of one action are skipped only when their shuffle output"
                                    + " still exists from an earlier job of the same plan.")
                    .fix("persist() (MEMORY_AND_DISK) the DataFrame that several actions share and unpersist() it after"
                            + " the last one, or combine the actions into one query (one write that produces"
                            + " everything).")
                    .numbers("actions", count, "sourceRows", rows.getOrDefault(scan, 0L))
                    .build());
        });
        return out;
    }

    private static void uncachedScans(PlanNode node, List<PlanNode> out) {
        if (node.named("InMemoryTableScan") || node.named("ReusedExchange")) {
            return;
        }
        if (node.children().isEmpty()
                && !node.named("LocalTableScan")
                && (node.named("Range") || node.nodeName().contains("Scan"))) {
            out.add(node);
        }
        for (PlanNode child : node.children()) {
            uncachedScans(child, out);
        }
    }

    /** The scan without expression ids, so the same source matches across queries. */
    static String signature(PlanNode scan) {
        String text = scan.simpleString().replaceAll("#\\d+L?", "");
        return text.length() > 120 ? text.substring(0, 120) + "..." : text;
    }
}
