package dev.breaklab.catalog;

import dev.breaklab.catalog.Knob.IntegerKnob;

/** Knobs that many lessons share, so each is named, ranged and explained the same way everywhere. */
public final class Knobs {

    private Knobs() {}

    /** {@code rows}: the size of the lesson's main table. */
    public static IntegerKnob rows(long defaultRows, long max) {
        return IntegerKnob.of("rows", defaultRows, 1_000, max, "rows")
                .withWords("Rows", "Rows in the lesson's main table");
    }

    /**
     * {@code shufflePartitions}, applied as {@code spark.sql.shuffle.partitions} (Spark's default:
     * 200): how many partitions, and so tasks, follow each shuffle before AQE changes anything.
     *
     * @param what what those partitions are in this lesson, e.g. "tasks in the join stage"
     */
    public static IntegerKnob shufflePartitions(long defaultPartitions, long max, String what) {
        return IntegerKnob.of("shufflePartitions", defaultPartitions, 1, max, "partitions")
                .withWords("Shuffle partitions", "spark.sql.shuffle.partitions: " + what)
                .conf("spark.sql.shuffle.partitions");
    }

    /** {@code dimRows}: the rows of the lesson's dimension, the small side of its join. */
    public static IntegerKnob dimRows(long defaultRows, long min, long max, String help) {
        return IntegerKnob.of("dimRows", defaultRows, min, max, "rows").withWords("Dimension rows", help);
    }

    /** {@code keys}: how many groups the lesson's aggregation makes. */
    public static IntegerKnob groups(long defaultGroups, long max) {
        return IntegerKnob.of("keys", defaultGroups, 1, max, "keys").withWords("Groups", "Distinct grouping keys");
    }

    /** {@code hotKeyShare}: the percentage of fact rows that carry the one hot key, 0. */
    public static IntegerKnob hotKeyShare(long defaultPercent) {
        return IntegerKnob.of("hotKeyShare", defaultPercent, 0, 99, "%")
                .withWords("Hot key share", "Share of fact rows with key 0");
    }

    /** {@code keys}: the distinct join keys, one dimension row each. */
    public static IntegerKnob dimensionKeys(long defaultKeys) {
        return IntegerKnob.of("keys", defaultKeys, 10, 1_000_000, "keys")
                .withWords("Distinct keys", "Rows in the dimension");
    }

    /** {@code batches}: how many micro-batches a streaming lesson feeds its query. */
    public static IntegerKnob batches(long defaultBatches, long min, long max, String help) {
        return IntegerKnob.of("batches", defaultBatches, min, max, "batches").withWords("Micro-batches", help);
    }

    /** {@code rowsPerBatch}: the rows in each micro-batch a streaming lesson feeds. */
    public static IntegerKnob rowsPerBatch(long defaultRows) {
        return IntegerKnob.of("rowsPerBatch", defaultRows, 10, 100_000, "rows")
                .withWords("Rows per batch", "Rows in each batch");
    }
}
