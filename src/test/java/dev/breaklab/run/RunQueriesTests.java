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

    @Test
    void reads_a_scans_filter_lists_as_spark_4_2_prints_them() {
        PlanNode scan = new PlanNode(
                "Scan parquet ",
                "FileScan parquet [amount#6L,day#7] Batched: true, DataFilters: [], Format: Parquet, Location:"
                        + " InMemoryFileIndex(1 paths)[file:/data/events], PartitionFilters: [isnotnull(day#7),"
                        + " dynamicpruningexpression(day#7 IN dynamicpruning#75)], PushedFilters: [], ReadSchema:"
                        + " struct<amount:bigint>",
                List.of(),
                List.of());
        assertThat(RunQueries.scanList(scan, "PartitionFilters"))
                .containsExactly("isnotnull(day#7)", "dynamicpruningexpression(day#7 IN dynamicpruning#75)");
        assertThat(RunQueries.pruningFilters(scan))
                .containsExactly("dynamicpruningexpression(day#7 IN dynamicpruning#75)");
        assertThat(RunQueries.scanList(scan, "PushedFilters")).isEmpty();
        assertThat(RunQueries.scanList(scan, "DataFilters")).isEmpty();
        assertThat(RunQueries.scanList(scan, "NoSuchList")).isEmpty();
        PlanNode cut = new PlanNode(
                "Scan parquet ",
                "FileScan parquet [a#1] PushedFilters: [IsNotNull(ts), GreaterThanOrEqual(ts,2026-01-07 00:00:00.0), Les...,"
                        + " ReadSchema: struct<a:int>",
                List.of(),
                List.of());
        assertThat(RunQueries.scanList(cut, "PushedFilters"))
                .as("Spark abbreviates a long list with ...")
                .hasSize(3)
                .startsWith("IsNotNull(ts)");
    }

    @Test
    void finds_the_filter_over_a_scan_through_codegen_wrappers() {
        PlanNode scan = new PlanNode("Scan parquet ", "FileScan parquet [a#1]", List.of(), List.of());
        PlanNode input = new PlanNode("InputAdapter", "InputAdapter", List.of(), List.of(scan));
        PlanNode rows = new PlanNode("ColumnarToRow", "ColumnarToRow", List.of(), List.of(input));
        PlanNode filter = new PlanNode("Filter", "Filter (a#1 > 3)", List.of(), List.of(rows));
        PlanNode project = new PlanNode("Project", "Project [a#1]", List.of(), List.of(rows));
        assertThat(RunQueries.filterOver(List.of(filter), scan)).contains(filter);
        assertThat(RunQueries.filterOver(List.of(project), scan)).isEmpty();
    }
}
