package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The data several lessons share, in one place. Every Java tab must run alone, so a lesson cannot
 * show "see the other lesson": a lesson block that calls {@code LessonTables.name(...)} gets this
 * method's source appended on the page and declared in its snippet ({@link LessonSource}, {@link
 * Snippets}). Each method is therefore plain Spark between its own markers, {@code // lesson:start
 * name} and {@code // lesson:end}, and uses only the imports of this file.
 */
final class LessonTables {

    /** {@link #skewedFacts} and {@link #dimensions} as SQL views for a lesson's SQL tab, by its knobs. */
    static final String SKEWED_VIEWS = """
            CREATE TEMP VIEW facts AS
              SELECT CAST(CASE WHEN pmod(id, 100) < ${hotKeyShare} THEN 0
                               ELSE pmod(hash(id), ${keys} - 1) + 1 END AS BIGINT) AS key,
                     pmod(id, 1000) AS amount, id
              FROM range(0, ${rows}, 1, 16);
            CREATE TEMP VIEW dims AS SELECT id AS key, concat('name-', id) AS name FROM range(${keys});
            """;

    private LessonTables() {}

    // lesson:start skewedFacts
    // hotKeyShare % of the rows on key 0, the rest spread over keys 1 .. keys-1; amount 0 .. 999
    static Dataset<Row> skewedFacts(SparkSession spark, long rows, long hotKeyShare, long keys, int partitions) {
        return spark.range(0, rows, 1, partitions)
                .select(
                        when(pmod(col("id"), lit(100)).lt(hotKeyShare), lit(0L))
                                .otherwise(pmod(hash(col("id")), lit(keys - 1)).plus(1))
                                .cast("long")
                                .as("key"),
                        pmod(col("id"), lit(1000)).as("amount"),
                        col("id"));
    }
    // lesson:end

    // lesson:start dimensions
    // one row per key 0 .. keys-1
    static Dataset<Row> dimensions(SparkSession spark, long keys) {
        return spark.range(keys)
                .select(col("id").as("key"), concat(lit("name-"), col("id")).as("name"));
    }
    // lesson:end

    // lesson:start uniformFacts
    // every key 0 .. keys-1 the same number of times; amount is the row's id
    static Dataset<Row> uniformFacts(SparkSession spark, long rows, long keys, int partitions) {
        return spark.range(0, rows, 1, partitions)
                .select(pmod(col("id"), lit(keys)).as("key"), col("id").as("amount"));
    }
    // lesson:end
}
