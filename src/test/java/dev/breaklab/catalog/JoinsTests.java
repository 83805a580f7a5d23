package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.PlanNode.PlanMetric;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metric texts below are copied from Spark 4.2's SQL status store on real runs. */
class JoinsTests {

    @Test
    void parsesCountsWithGroupingCommas() {
        assertThat(Joins.parseMetric("2,000,000")).isEqualTo(2_000_000L);
        assertThat(Joins.parseMetric("1")).isEqualTo(1L);
    }

    @Test
    void parsesSizesAndTimingsSummedOverTasks() {
        assertThat(
                        Joins.parseMetric(
                                "total (min, med, max (stageId: taskId)) 4.4 MiB (563.3 KiB, 566.9 KiB, 575.5 KiB (stage 32.0: task 144))"))
                .isEqualTo(Math.round(4.4 * 1024 * 1024));
        assertThat(Joins.parseMetric(
                        "total (min, med, max (stageId: taskId)) 322 ms (3 ms, 46 ms, 80 ms (stage 32.0: task 144))"))
                .isEqualTo(322L);
        assertThat(Joins.parseMetric(
                        "total (min, med, max (stageId: taskId)) 7.4 s (694 ms, 940 ms, 1.2 s (stage 6.0: task 4015))"))
                .isEqualTo(7_400L);
    }

    @Test
    void parsesSingleValues() {
        assertThat(Joins.parseMetric("64.1 MiB")).isEqualTo(Math.round(64.1 * 1024 * 1024));
        assertThat(Joins.parseMetric("1600.0 B")).isEqualTo(1_600L);
        assertThat(Joins.parseMetric("50 ms")).isEqualTo(50L);
        assertThat(Joins.parseMetric("not a number")).isZero();
    }

    @Test
    void findsTheFirstJoinOfAPlan() {
        PlanNode scan = new PlanNode("Range", "Range (0, 10, step=1, splits=2)", List.of(), List.of());
        PlanNode join = new PlanNode(
                "SortMergeJoin(skew=true)",
                "SortMergeJoin(skew=true) [key], [key], Inner",
                List.of(new PlanMetric("number of output rows", 1, "sum", "1,000")),
                List.of(scan, scan));
        PlanNode root = new PlanNode("WholeStageCodegen (1)", "WholeStageCodegen (1)", List.of(), List.of(join));
        assertThat(Joins.joinIn(root)).isEqualTo("SortMergeJoin");
        assertThat(Joins.joinIn(scan)).isEqualTo("none");
        assertThat(Joins.metricValue(join, "number of output rows")).isEqualTo(1_000L);
    }
}
