package dev.breaklab.web;

import dev.breaklab.engine.RunProblems;
import dev.breaklab.plan.PlanDiff;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SqlSnapshot;
import java.util.List;

/**
 * What changed between two versions of one SQL execution's plan (AQE re-plans it as stages finish):
 * the lab's {@link PlanDiff}, whose changes carry the node paths a drawing marks.
 *
 * @param from the earlier version
 * @param to the later version
 */
record PlanVersionDiff(String runId, long executionId, int from, int to, PlanDiff diff) {

    /**
     * @param to the later version; null for the latest
     * @param from the earlier version; null for the nearest earlier version whose operators differ
     *     from {@code to}'s (the final plan usually repeats the last AQE update), else the one before
     */
    static PlanVersionDiff of(RunSnapshot run, long executionId, Integer from, Integer to) {
        SqlSnapshot sql = run.sql().stream()
                .filter(s -> s.executionId() == executionId && !s.plans().isEmpty())
                .findFirst()
                .orElseThrow(() -> RunProblems.notFound(
                        "executionId",
                        Long.toString(executionId),
                        "one of "
                                + String.join(
                                        ", ",
                                        run.sql().stream()
                                                .filter(s -> !s.plans().isEmpty())
                                                .map(s -> Long.toString(s.executionId()))
                                                .toList())));
        List<PlanVersion> plans = sql.plans();
        int last = plans.size() - 1;
        int later = to == null ? last : to;
        if (later < 1 || later > last) {
            throw RunProblems.invalid(
                    "to", "version " + later + " has no earlier version to compare with", "1 to " + last);
        }
        if (from != null) {
            if (from < 0 || from >= later) {
                throw RunProblems.invalid(
                        "from", "version " + from + " is not earlier than " + later, "0 to " + (later - 1));
            }
            return new PlanVersionDiff(
                    run.id(), executionId, from, later, PlanDiff.between(tree(plans, from), tree(plans, later)));
        }
        PlanDiff diff = null;
        int earlier = later - 1;
        for (int v = later - 1; v >= 0; v--) {
            PlanDiff d = PlanDiff.between(tree(plans, v), tree(plans, later));
            if (diff == null || !d.identical()) {
                diff = d;
                earlier = v;
            }
            if (!d.identical()) {
                break;
            }
        }
        return new PlanVersionDiff(run.id(), executionId, earlier, later, diff);
    }

    private static PlanNode tree(List<PlanVersion> plans, int version) {
        return plans.get(version).tree();
    }
}
