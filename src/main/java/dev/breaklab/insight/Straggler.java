package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.ratio;

import dev.breaklab.run.Quantiles;
import dev.breaklab.run.StageSnapshot;
import java.util.Locale;
import java.util.Map;

/**
 * A stage's slowest task against the median, in time and in shuffle read: what {@link SkewRule} (a
 * straggler with more data) and {@link TimeSkewRule} (a straggler in time only) both judge, and the
 * words and figures both findings give, so the two read alike.
 */
record Straggler(StageSnapshot stage, Quantiles duration, Quantiles read) {

    /** The straggler must also hold up the stage: at least this share of its wall time. */
    private static final double STAGE_SHARE = 0.3;

    static Straggler of(StageSnapshot stage) {
        return new Straggler(stage, stage.taskDurationMs(), stage.taskShuffleReadBytes());
    }

    /** A straggler in time: the slowest task far above the median, long, and holding up the stage. */
    boolean slow(InsightProperties.Skew threshold) {
        return duration.count() >= threshold.minTasks()
                && duration.maxOverMedian() >= threshold.ratio()
                && duration.max() >= threshold.minMaxTask().toMillis()
                && (stage.durationMs() == null || duration.max() >= STAGE_SHARE * stage.durationMs());
    }

    /** "5.0x the median (100 ms vs 20 ms)": the slowest task's time. */
    String timeVsMedian() {
        return String.format(
                Locale.ROOT,
                "%s the median (%d ms vs %d ms)",
                ratio(duration.maxOverMedian()),
                duration.max(),
                duration.p50());
    }

    /** "8.0x the median shuffle data (8 MiB vs 1 MiB)": the slowest task's shuffle read. */
    String readVsMedian() {
        return String.format(
                Locale.ROOT,
                "%s the median shuffle data (%s vs %s)",
                ratio(read.maxOverMedian()),
                bytes(read.max()),
                bytes(read.p50()));
    }

    /** The figures both findings carry, in this order; a finding may add its own after them. */
    Map<String, Object> numbers() {
        return Observation.numbers(
                "tasks", duration.count(),
                "maxTaskMs", duration.max(),
                "medianTaskMs", duration.p50(),
                "durationMaxOverMedian", SkewRule.round(duration.maxOverMedian()),
                "maxShuffleReadBytes", read.max(),
                "medianShuffleReadBytes", read.p50(),
                "shuffleReadMaxOverMedian", SkewRule.round(read.maxOverMedian()),
                "stageMs", stage.durationMs());
    }
}
