package dev.breaklab.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanNode.PlanMetric;
import org.junit.jupiter.api.Test;

/** Metric texts as Spark 4.2's SQLMetrics.stringValue prints them (see spark-sql-viz.js's parser). */
class MetricTextTests {

    private static final String HEADER = "total (min, med, max (stageId: taskId))\n";

    @Test
    void sums_sizes_and_timings_are_numbers_in_bytes_and_milliseconds() {
        assertThat(new PlanMetric("number of output rows", 1, "sum", "1,194").amount())
                .isEqualTo(1_194L);
        assertThat(new PlanMetric("data size", 2, "size", "10.0 MiB").amount()).isEqualTo(10L << 20);
        assertThat(new PlanMetric("sort time", 3, "timing", "1.5 s").amount()).isEqualTo(1_500L);
        assertThat(new PlanMetric("x", 4, "sum", "n/a").amount()).isNull();
        assertThat(new PlanMetric("x", 5, "sum", null).amount()).isNull();
    }

    @Test
    void a_per_task_figure_has_its_total_and_its_spread_with_the_max_task() {
        PlanMetric m = new PlanMetric(
                "shuffle bytes written",
                1,
                "size",
                HEADER + "10.0 KiB (1.0 KiB, 1.0 KiB, 6.0 KiB (stage 3.0: task 12))");

        assertThat(m.amount()).isEqualTo(10_240L);
        assertThat(m.spread()).satisfies(s -> {
            assertThat(s.min()).isEqualTo(1_024);
            assertThat(s.med()).isEqualTo(1_024);
            assertThat(s.max()).isEqualTo(6_144);
            assertThat(s.stage()).isEqualTo("3.0");
            assertThat(s.task()).isEqualTo(12L);
            assertThat(s.skewed()).as("max is 6x the median").isTrue();
        });
    }

    @Test
    void averages_have_aspread_but_no_total_and_the_driver_has_no_task() {
        PlanMetric average = new PlanMetric("avg hash probe", 1, "average", "\n(1.0, 1.5, 2.0 (stage 2.0: task 7))");
        assertThat(average.amount()).isNull();
        assertThat(average.spread().med()).isEqualTo(1.5);
        assertThat(average.spread().skewed()).isFalse();

        PlanMetric driver =
                new PlanMetric("data size", 2, "size", HEADER + "194.0 B (97.0 B, 97.0 B, 97.0 B (driver))");
        assertThat(driver.amount()).isEqualTo(194L);
        assertThat(driver.spread().stage()).isNull();
        assertThat(driver.spread().task()).isNull();
    }
}
