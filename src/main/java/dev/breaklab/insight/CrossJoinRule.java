package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A join that compares every pair of rows: {@code CartesianProduct} or
 * {@code BroadcastNestedLoopJoin}. Their cost grows with the product of the two sides, not the sum;
 * Spark uses them for non-equi joins (an OR of equalities, a range), cross joins, or when a hint
 * forces them. Judged by the pairs tested (the rows of one input times the rows of the other): a
 * nested loop over a few thousand pairs is harmless.
 */
record CrossJoinRule() implements Rule {

    static final String KIND = "cross-join";

    /** Row pairs from which a nested-loop join is reported; CRITICAL for a CartesianProduct at 100x. */
    static final long MIN_PAIRS = 10_000_000L;

    /** An equality: "=" that is not part of "<=", ">=", "!=", "<=>" or "==". */
    private static final Pattern EQUALITY = Pattern.compile("(?<![<>!=])=(?![>=])");

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode node : subject.finalOperators()) {
            boolean cartesian = node.nodeName().startsWith("CartesianProduct");
            if (!cartesian && !node.nodeName().startsWith("BroadcastNestedLoopJoin")) {
                continue;
            }
            long rows = SparkMetricText.orZero(node, "number of output rows");
            OptionalLong pairs = pairs(node);
            if (pairs.isPresent() && pairs.getAsLong() < MIN_PAIRS) {
                continue;
            }
            // Without input counts (a failed run) the loop is reported as before: it cannot be judged.
            boolean critical = cartesian && (pairs.isEmpty() || pairs.getAsLong() >= 100 * MIN_PAIRS);
            boolean equi = EQUALITY.matcher(node.simpleString()).find();
            out.add(Observation.of(KIND, critical ? Severity.CRITICAL : Severity.WARNING)
                    .operator(node.nodeName())
                    .summary(
                            "%s: every row of one side is tested against every row of the other (%s pairs, %,d rows out)",
                            node.nodeName(),
                            pairs.isPresent() ? String.format(java.util.Locale.ROOT, "%,d", pairs.getAsLong()) : "?",
                            rows)
                    .detail((cartesian
                                    ? "A CartesianProduct pairs every partition of one side with every partition of"
                                            + " the other: one task per pair, each testing every row pair."
                                    : "A BroadcastNestedLoopJoin loops over the broadcast side for every row of the"
                                            + " other.")
                            + " The work grows with the product of the sides."
                            + (equi
                                    ? " The condition has an equality, but not one Spark can hash on alone (it is"
                                            + " OR-ed with another condition, or a hint such as SHUFFLE_REPLICATE_NL or"
                                            + " a cross join forced the loop)."
                                    : " Without an equality condition Spark has no key to hash or sort on."))
                    .fix("Join on keys: rewrite an OR of equalities as a union of equi-joins; add an equality on a"
                            + " bucketed key (e.g. the day) to a range join; drop a SHUFFLE_REPLICATE_NL hint.")
                    .numbers("outputRows", rows, "pairs", pairs.isPresent() ? pairs.getAsLong() : null)
                    .build());
        }
        return out;
    }

    /**
     * Rows of the two inputs multiplied, each input's count read from its first operator reporting one.
     * Exact for a BroadcastNestedLoopJoin (the BroadcastExchange counts the broadcast rows once). A
     * CartesianProduct computes each input partition once per partition of the other side, so its
     * inputs' counts, and this product, overstate the pairs by the two partition counts: the rule errs
     * toward reporting.
     */
    static OptionalLong pairs(PlanNode join) {
        if (join.children().size() != 2) {
            return OptionalLong.empty();
        }
        long product = 1;
        for (PlanNode child : join.children()) {
            OptionalLong rows = child.stream()
                    .map(n -> SparkMetricText.value(n, "number of output rows"))
                    .filter(OptionalLong::isPresent)
                    .findFirst()
                    .orElse(OptionalLong.empty());
            if (rows.isEmpty()) {
                return OptionalLong.empty();
            }
            product = Math.multiplyExact(product, Math.max(rows.getAsLong(), 0));
        }
        return OptionalLong.of(product);
    }
}
