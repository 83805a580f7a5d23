package dev.breaklab.run;

/** Five-number summary of a per-task value. */
public record Quantiles(long count, long min, long p25, long p50, long p75, long max) {
    public static final Quantiles EMPTY = new Quantiles(0, 0, 0, 0, 0, 0);

    /** max/median, the lab's straggler ratio; 0 without tasks. */
    public double maxOverMedian() {
        return count == 0 ? 0 : (double) max / Math.max(1, p50);
    }
}
