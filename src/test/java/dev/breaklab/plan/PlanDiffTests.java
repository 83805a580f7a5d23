package dev.breaklab.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanDiff.Change;
import dev.breaklab.plan.PlanDiff.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plan trees shaped the way Spark 4.2 reports them in {@code SparkPlanInfo}. */
class PlanDiffTests {

    static PlanNode node(String name, String simple, PlanNode... children) {
        return new PlanNode(name, simple, List.of(), List.of(children));
    }

    static PlanNode codegen(int id, PlanNode child) {
        return node("WholeStageCodegen (" + id + ")", "WholeStageCodegen (" + id + ")", child);
    }

    static PlanNode exchange(String key, int partitions, int planId, PlanNode child) {
        return node(
                "Exchange",
                "Exchange hashpartitioning(" + key + ", " + partitions + "), ENSURE_REQUIREMENTS, [plan_id=" + planId
                        + "]",
                child);
    }

    static PlanNode stage(int id, PlanNode exchange) {
        return node("ShuffleQueryStage", "ShuffleQueryStage " + id, exchange);
    }

    static PlanNode range(int exprId) {
        return codegen(
                1,
                node(
                        "Project",
                        "Project [id#" + exprId + "L AS key#" + (exprId + 1) + "L]",
                        node("Range", "Range (0, 1000, step=1, splits=2)")));
    }

    static PlanNode aggregate(boolean finalPlan, int ids, PlanNode readSide) {
        return node(
                "AdaptiveSparkPlan",
                "AdaptiveSparkPlan isFinalPlan=" + finalPlan,
                codegen(
                        ids,
                        node(
                                "HashAggregate",
                                "HashAggregate(keys=[key#" + ids + "L], functions=[count(1)])",
                                node("InputAdapter", "InputAdapter", readSide))));
    }

    @Test
    void ids_codegen_numbers_and_query_stages_are_noise() {
        PlanNode before = aggregate(false, 2, exchange("key#5L", 200, 17, range(3)));
        PlanNode after = aggregate(true, 7, stage(0, exchange("key#9L", 200, 41, range(8))));

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changes()).isEmpty();
        assertThat(diff.identical()).isTrue();
        assertThat(diff.matched()).isEqualTo(4); // HashAggregate, Exchange, Project, Range
    }

    @Test
    void an_inserted_coalesced_read_is_one_addition() {
        PlanNode before = aggregate(false, 2, exchange("pmod(id#1L, 1000)", 2000, 17, range(3)));
        PlanNode after = aggregate(
                true,
                2,
                node(
                        "AQEShuffleRead",
                        "AQEShuffleRead coalesced",
                        stage(0, exchange("pmod(id#1L, 1000)", 2000, 17, range(3)))));

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changes()).singleElement().satisfies(change -> {
            assertThat(change.kind()).isEqualTo(Kind.ADDED);
            assertThat(change.operator()).isEqualTo("AQEShuffleRead");
            assertThat(change.after()).isEqualTo("AQEShuffleRead coalesced");
            assertThat(change.path()).isEqualTo("HashAggregate");
            assertThat(change.summary()).isEqualTo("AQEShuffleRead coalesced added above Exchange");
            // AdaptiveSparkPlan > WholeStageCodegen > HashAggregate > InputAdapter > AQEShuffleRead
            assertThat(change.afterNode()).containsExactly(0, 0, 0, 0);
            assertThat(change.beforeNode()).isNull();
        });
        assertThat(diff.added("AQEShuffleRead", "coalesced")).isTrue();
    }

    @Test
    void a_skew_split_names_the_join_marker_and_the_skewed_reads() {
        PlanNode before = join("SortMergeJoin", false, false);
        PlanNode after = join("SortMergeJoin(skew=true)", true, false);

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changedTo("SortMergeJoin", "skew=true")).isTrue();
        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == Kind.CHANGED)
                .singleElement()
                .extracting(Change::summary)
                .isEqualTo("SortMergeJoin now marked skew=true");
        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == Kind.ADDED)
                .extracting(Change::after)
                .containsExactly("AQEShuffleRead skewed", "AQEShuffleRead skewed");
        assertThat(diff.changes()).noneMatch(c -> c.kind() == Kind.REMOVED);
    }

    @Test
    void a_join_strategy_switch_is_a_change_not_a_removal_and_an_addition() {
        PlanNode before = join("SortMergeJoin", false, false);
        PlanNode after = join("BroadcastHashJoin", false, true);

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == Kind.CHANGED)
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.summary()).isEqualTo("SortMergeJoin became BroadcastHashJoin");
                    assertThat(c.before()).startsWith("SortMergeJoin [key], [key], Inner");
                    assertThat(c.path()).isEqualTo("HashAggregate");
                    // The join sits under the aggregate's InputAdapter in both plans.
                    assertThat(c.beforeNode()).containsExactly(0, 0, 0, 0);
                    assertThat(c.afterNode()).containsExactly(0, 0, 0, 0);
                });
        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == Kind.REMOVED)
                .extracting(Change::operator, Change::beforeNode, Change::afterNode)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("Sort", List.of(0, 0, 0, 0, 0), null),
                        org.assertj.core.groups.Tuple.tuple("Sort", List.of(0, 0, 0, 0, 1), null));
        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == Kind.ADDED)
                .extracting(Change::operator)
                .containsExactlyInAnyOrder("BroadcastExchange", "AQEShuffleRead");
    }

    @Test
    void a_partition_count_change_is_named() {
        PlanNode before = aggregate(false, 2, exchange("pmod(id#1L, 1000)", 2000, 17, range(3)));
        PlanNode after = aggregate(false, 2, exchange("pmod(id#1L, 1000)", 8, 17, range(3)));

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changes())
                .singleElement()
                .extracting(Change::summary)
                .isEqualTo("Exchange: 2000 -> 8 partitions");
    }

    @Test
    void unrelated_operators_are_never_matched() {
        PlanNode before = node("Filter", "Filter (id#1L > 5)", node("Range", "Range (0, 10, step=1, splits=1)"));
        PlanNode after =
                node("Sort", "Sort [id#1L ASC NULLS FIRST], true, 0", node("Range", "Range (0, 10, step=1, splits=1)"));

        PlanDiff diff = PlanDiff.between(before, after);

        assertThat(diff.changes())
                .extracting(Change::kind, Change::operator)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(Kind.ADDED, "Sort"),
                        org.assertj.core.groups.Tuple.tuple(Kind.REMOVED, "Filter"));
        assertThat(diff.matched()).isEqualTo(1);
    }

    /** count(*) over a join of two shuffled sides, as the skewed-join experiment plans it. */
    static PlanNode join(String joinName, boolean skewedReads, boolean broadcast) {
        PlanNode left = side(4, 10, skewedReads ? "AQEShuffleRead skewed" : null, broadcast ? "local" : null);
        PlanNode right = side(6, 20, skewedReads ? "AQEShuffleRead skewed" : null, null);
        if (broadcast) {
            right = node(
                    "BroadcastQueryStage",
                    "BroadcastQueryStage 2",
                    node(
                            "BroadcastExchange",
                            "BroadcastExchange HashedRelationBroadcastMode(List(input[0, bigint, false]),false), [plan_id=88]",
                            right));
        }
        boolean sorted = !broadcast;
        PlanNode joinNode = node(
                joinName,
                joinName + " [key#4L], [key#6L], Inner",
                sorted ? node("Sort", "Sort [key#4L ASC NULLS FIRST], false, 0", left) : left,
                sorted ? node("Sort", "Sort [key#6L ASC NULLS FIRST], false, 0", right) : right);
        return aggregate(skewedReads || broadcast, 9, joinNode);
    }

    private static PlanNode side(int key, int planId, String skewed, String local) {
        PlanNode exchange = exchange("key#" + key + "L", 8, planId, range(key - 1));
        if (skewed != null) {
            return node("AQEShuffleRead", skewed, stage(planId, exchange));
        }
        if (local != null) {
            return node("AQEShuffleRead", "AQEShuffleRead local", stage(planId, exchange));
        }
        return exchange;
    }
}
