package dev.breaklab.telemetry;

import dev.breaklab.run.Histogram;
import dev.breaklab.run.Quantiles;
import java.util.ArrayList;
import java.util.List;

/**
 * A per-task value (duration, bytes) summarised in constant memory: a log-linear histogram with
 * 16 sub-buckets per power of two, so quantiles are within about 6% whatever the task count, while
 * count, min and max are exact. {@link #add} is O(1): it runs on the listener thread.
 */
final class ValueDistribution {

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = SUB + (64 - SUB_BITS) * SUB;

    private final int[] counts = new int[BUCKETS];
    private long count;
    private long min = Long.MAX_VALUE;
    private long max = Long.MIN_VALUE;

    void add(long value) {
        long v = Math.max(0, value);
        counts[index(v)]++;
        count++;
        min = Math.min(min, v);
        max = Math.max(max, v);
    }

    long count() {
        return count;
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int mantissa = (int) ((v >>> (exponent - SUB_BITS)) & (SUB - 1));
        return SUB + (exponent - SUB_BITS) * SUB + mantissa;
    }

    static long lowerBound(int index) {
        if (index < SUB) {
            return index;
        }
        int exponent = (index - SUB) / SUB + SUB_BITS;
        int mantissa = (index - SUB) % SUB;
        return (1L << exponent) + ((long) mantissa << (exponent - SUB_BITS));
    }

    static long upperBound(int index) {
        return index + 1 >= BUCKETS ? Long.MAX_VALUE : lowerBound(index + 1) - 1;
    }

    /** The value at quantile q (0..1): the middle of the bucket holding that rank, within [min, max]. */
    long quantile(double q) {
        if (count == 0) {
            return 0;
        }
        if (q <= 0) {
            return min;
        }
        if (q >= 1) {
            return max;
        }
        long rank = Math.max(1, (long) Math.ceil(q * count));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                long mid = lowerBound(i) + (upperBound(i) - lowerBound(i)) / 2;
                return Math.min(max, Math.max(min, mid));
            }
        }
        return max;
    }

    Quantiles quantiles() {
        if (count == 0) {
            return Quantiles.EMPTY;
        }
        return new Quantiles(count, min, quantile(0.25), quantile(0.5), quantile(0.75), max);
    }

    /** Up to {@code bins} equal-width bins from min to max, for drawing. */
    Histogram histogram(int bins) {
        if (count == 0) {
            return new Histogram(List.of());
        }
        long span = max - min + 1;
        int n = (int) Math.max(1, Math.min(bins, span));
        long width = (span + n - 1) / n;
        long[] binCounts = new long[n];
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] == 0) {
                continue;
            }
            long mid = Math.min(max, Math.max(min, lowerBound(i) + (upperBound(i) - lowerBound(i)) / 2));
            int bin = (int) Math.min(n - 1, (mid - min) / width);
            binCounts[bin] += counts[i];
        }
        List<Histogram.Bin> out = new ArrayList<>(n);
        for (int b = 0; b < n; b++) {
            long from = min + b * width;
            out.add(new Histogram.Bin(from, Math.min(max, from + width - 1), binCounts[b]));
        }
        return new Histogram(out);
    }
}
