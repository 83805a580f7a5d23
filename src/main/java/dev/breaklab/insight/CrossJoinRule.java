package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A join that compares every pair of rows: {@code CartesianProduct} or
 * {@code BroadcastNestedLoopJoin}. Their cost grows with the product of the two sides, not the sum;
 * Spark uses them for non-equi joins, cross joins, or when a hint forces them.
 */
record CrossJoinRule() implements Rule {

    static final String KIND = "cross-join";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode node : subject.finalOperators()) {
            boolean cartesian = node.nodeName().startsWith("CartesianProduct");
            if (!cartesian && !node.nodeName().startsWith("BroadcastNestedLoopJoin")) {
                continue;
            }
            long rows = SparkMetricText.orZero(node, "number of output rows");
            boolean equi =
                    node.simpleString().contains(" = ") || node.simpleString().contains("=");
            out.add(Observation.of(KIND, cartesian ? Severity.CRITICAL : Severity.WARNING)
                    .operator(node.nodeName())
                    .summary(
                            "%s: every row of one side is tested against every row of the other (%,d rows out)",
                            node.nodeName(), rows)
                    .detail((cartesian
                                    ? "A CartesianProduct pairs every partition of one side with every partition of"
                                            + " the other: one task per pair, each testing every row pair."
                                    : "A BroadcastNestedLoopJoin loops over the broadcast side for every row of the"
                                            + " other.")
                            + " The work grows with the product of the sides."
                            + (equi
                                    ? " This join has an equality condition, so a hash or sort-merge join (which only"
                                            + " meets rows with the same key) could run it; a hint such as"
                                            + " SHUFFLE_REPLICATE_NL or a cross join forced the loop."
                                    : " Without an equality condition Spark has no key to hash or sort on."))
                    .fix("Join on keys: drop the SHUFFLE_REPLICATE_NL hint (or use BROADCAST / MERGE), and for range"
                            + " conditions add an equality on a bucketed key (e.g. the day) so Spark can hash first.")
                    .numbers("outputRows", rows)
                    .build());
        }
        return out;
    }
}
