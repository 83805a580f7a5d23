package dev.breaklab.insight;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricTextTests {

    @Test
    void reads_sparks_metric_strings() {
        assertThat(MetricText.parse("1,194")).hasValue(1194);
        assertThat(MetricText.parse("119.2 KiB")).hasValue(Math.round(119.2 * 1024));
        assertThat(MetricText.parse("43 ms")).hasValue(43);
        assertThat(MetricText.parse("1.5 s")).hasValue(1500);
        assertThat(
                        MetricText.parse(
                                "total (min, med, max (stageId: taskId))\n10.2 MiB (399.5 KiB, 408.8 KiB, 7.4 MiB (stage 9.0: task 2038))"))
                .hasValue(Math.round(10.2 * 1024 * 1024));
        assertThat(MetricText.parse("n/a")).isEmpty();
        assertThat(MetricText.parse(null)).isEmpty();
    }

    @Test
    void reads_byte_settings_like_spark() {
        assertThat(MetricText.confBytes("10MB", 0)).isEqualTo(10L << 20);
        assertThat(MetricText.confBytes("1m", 0)).isEqualTo(1L << 20);
        assertThat(MetricText.confBytes("10485760", 0)).isEqualTo(10L << 20);
        assertThat(MetricText.confBytes("-1", 0)).isEqualTo(-1);
        assertThat(MetricText.confBytes("lots", 7)).isEqualTo(7);
    }
}
