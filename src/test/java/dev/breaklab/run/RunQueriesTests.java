package dev.breaklab.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.PlanNode.PlanMetric;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Plan questions over hand-made trees; Spark's own runs check the same questions in CatalogTests. */
class RunQueriesTests {

    @Test
    void finds_the_first_join_of_a_plan() {
        PlanNode scan = new PlanNode("Range", "Range (0, 10, step=1, splits=2)", List.of(), List.of());
        PlanNode join = new PlanNode(
                "SortMergeJoin(skew=true)",
                "SortMergeJoin(skew=true) [key], [key], Inner",
                List.of(new PlanMetric("number of output rows", 1, "sum", "1,000")),
                List.of(scan, scan));
        PlanNode root = new PlanNode("WholeStageCodegen (1)", "WholeStageCodegen (1)", List.of(), List.of(join));
        assertThat(RunQueries.joinIn(root)).isEqualTo("SortMergeJoin");
        assertThat(RunQueries.joinIn(scan)).isEqualTo("none");
        assertThat(SparkMetricText.orZero(join, "number of output rows")).isEqualTo(1_000L);
    }

    @Test
    void names_how_the_first_shuffle_partitions_its_rows() {
        PlanNode scan = new PlanNode("Range", "Range (0, 10, step=1, splits=2)", List.of(), List.of());
        PlanNode single = new PlanNode(
                "Exchange", "Exchange SinglePartition, ENSURE_REQUIREMENTS, [plan_id=7]", List.of(), List.of(scan));
        PlanNode window = new PlanNode("Window", "Window [row_number()]", List.of(), List.of(single));
        PlanNode hashed = new PlanNode(
                "Exchange", "Exchange hashpartitioning(user#1L, 8), ENSURE_REQUIREMENTS", List.of(), List.of(scan));
        assertThat(RunQueries.partitioningIn(window)).isEqualTo("SinglePartition");
        assertThat(RunQueries.partitioningIn(hashed)).isEqualTo("hashpartitioning");
        assertThat(RunQueries.partitioningIn(scan)).isEqualTo("none");
    }
}
