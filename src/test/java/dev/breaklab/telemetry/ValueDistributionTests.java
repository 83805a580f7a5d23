package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.breaklab.run.Histogram;
import dev.breaklab.run.Quantiles;
import org.junit.jupiter.api.Test;

class ValueDistributionTests {

    @Test
    void buckets_cover_every_value_in_order() {
        long previous = -1;
        for (int i = 0; i < 900; i++) {
            long lower = ValueDistribution.lowerBound(i);
            assertThat(lower).isGreaterThan(previous);
            assertThat(ValueDistribution.index(lower)).isEqualTo(i);
            assertThat(ValueDistribution.index(ValueDistribution.upperBound(i))).isEqualTo(i);
            previous = lower;
        }
    }

    @Test
    void quantiles_are_within_the_bucket_resolution_and_min_max_exact() {
        ValueDistribution d = new ValueDistribution();
        for (long v = 1; v <= 10_000; v++) {
            d.add(v);
        }
        Quantiles q = d.quantiles();
        assertThat(q.count()).isEqualTo(10_000);
        assertThat(q.min()).isEqualTo(1);
        assertThat(q.max()).isEqualTo(10_000);
        assertThat((double) q.p50()).isCloseTo(5_000, within(5_000 * 0.07));
        assertThat((double) q.p25()).isCloseTo(2_500, within(2_500 * 0.07));
        assertThat((double) q.p75()).isCloseTo(7_500, within(7_500 * 0.07));
    }

    @Test
    void a_straggler_shows_as_max_far_above_the_median() {
        ValueDistribution d = new ValueDistribution();
        for (int i = 0; i < 99; i++) {
            d.add(100);
        }
        d.add(10_000);
        Quantiles q = d.quantiles();
        assertThat(q.p50()).isBetween(97L, 103L);
        assertThat(q.maxOverMedian()).isGreaterThan(90);
    }

    @Test
    void histogram_counts_every_value_once() {
        ValueDistribution d = new ValueDistribution();
        for (long v = 0; v < 1_000; v++) {
            d.add(v * 3);
        }
        Histogram h = d.histogram(20);
        assertThat(h.bins()).hasSizeLessThanOrEqualTo(20);
        assertThat(h.bins().stream().mapToLong(Histogram.Bin::count).sum()).isEqualTo(1_000);
        assertThat(h.bins().get(0).from()).isZero();
    }

    @Test
    void empty_is_zero() {
        assertThat(new ValueDistribution().quantiles()).isEqualTo(Quantiles.EMPTY);
        assertThat(new ValueDistribution().histogram(10).bins()).isEmpty();
    }
}
