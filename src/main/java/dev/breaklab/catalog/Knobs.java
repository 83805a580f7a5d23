package dev.breaklab.catalog;

import dev.breaklab.catalog.Knob.IntegerKnob;

/** Knobs that many lessons share, so each is named, ranged and explained the same way everywhere. */
public final class Knobs {

    private Knobs() {}

    /** {@code rows}: the size of the lesson's main table. */
    public static IntegerKnob rows(long defaultRows, long max) {
        return IntegerKnob.of("rows", "Rows", defaultRows, 1_000, max, "rows", "Rows in the lesson's main table");
    }

    /**
     * {@code shufflePartitions}, applied as {@code spark.sql.shuffle.partitions} (Spark's default:
     * 200): how many partitions, and so tasks, follow each shuffle before AQE changes anything.
     *
     * @param what what those partitions are in this lesson, e.g. "tasks in the join stage"
     */
    public static IntegerKnob shufflePartitions(long defaultPartitions, long max, String what) {
        return IntegerKnob.of(
                        "shufflePartitions",
                        "Shuffle partitions",
                        defaultPartitions,
                        1,
                        max,
                        "partitions",
                        "spark.sql.shuffle.partitions: " + what)
                .conf("spark.sql.shuffle.partitions");
    }

    /** {@code dimRows}: the rows of the lesson's dimension, the small side of its join. */
    public static IntegerKnob dimRows(long defaultRows, long min, long max, String help) {
        return IntegerKnob.of("dimRows", "Dimension rows", defaultRows, min, max, "rows", help);
    }
}
