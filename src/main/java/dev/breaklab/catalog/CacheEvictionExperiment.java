package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.util.Arrays;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.springframework.stereotype.Component;

/**
 * A DataFrame used by several actions and not (or no longer) in the cache: every action recomputes
 * it from its source. The lab JVM's storage memory is too large to fill in seconds, so the
 * experiment shows the cost of a miss (what an eviction turns a cached read into) and the storage
 * level each cache really gets (Dataset.cache() is MEMORY_AND_DISK since spark.sql.defaultCacheStorageLevel,
 * Spark 4.0) rather than waiting for Spark to evict.
 */
@Component
class CacheEvictionExperiment extends ExperimentBase {

    /** The variant's name, then what the fixed variant adds before and after the three actions. */
    private static final String SQL = """
            CREATE TEMP VIEW totals AS
              SELECT pmod(id, ${keys}) AS key, count(1) AS n, sum(id) AS total, '%s' AS variant
              FROM range(0, ${rows}, 1, 8) GROUP BY pmod(id, ${keys});
            %sSELECT sum(n) FROM totals;
            SELECT count(1) FROM totals WHERE n > 1;
            SELECT max(total) FROM totals%s""";

    /** No option: spark.sql.defaultCacheStorageLevel (MEMORY_AND_DISK) applies, as for Dataset.cache(). */
    private static final String CACHE = "CACHE LAZY TABLE totals";

    private static final String CACHE_MEMORY_ONLY = "CACHE LAZY TABLE totals OPTIONS ('storageLevel' 'MEMORY_ONLY')";

    CacheEvictionExperiment() {
        super(define("cache-eviction", CacheEvictionExperiment.class)
                .concepts(Concept.MEMORY, Concept.STAGES, Concept.SPARK_UI)
                .sql(SQL.formatted("broken", "", ""))
                .sql("memory-only", SQL.formatted("memory-only", CACHE_MEMORY_ONLY + ";\n", ";\nUNCACHE TABLE totals"))
                .sql("fixed", SQL.formatted("fixed", CACHE + ";\n", ";\nUNCACHE TABLE totals"))
                .knob(Knobs.rows(1_000_000, 100_000_000))
                .knob(IntegerKnob.of("keys", 50_000, 1, 10_000_000, "keys"))
                .knob(Knobs.shufflePartitions(8, 200, "partitions of the aggregated DataFrame"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("memory-only"))
                .variant(Variants.aqeOff("fixed"))
                .question(Question.number("source-map-stages", run -> RunQueries.sourceMapStages(run)
                        .size()))
                .question(Questions.yesNo("cache-used", run -> RunQueries.finalHas(run, "InMemoryTableScan")))
                .evidence(Evidence.central("recomputed", Set.of("broken"), run -> {
                    long scanned = RunQueries.finalMetric(run, "Range", "number of output rows");
                    long rows = RunQueries.knob(run, "rows");
                    return Verdict.of(
                            scanned >= 3 * rows,
                            "source rows produced: %,d over %d actions (%.1fx the %,d source rows)",
                            scanned,
                            run.sql().size(),
                            (double) scanned / rows,
                            rows);
                }))
                .evidence(Evidence.of("computed-once", Set.of("memory-only", "fixed"), run -> {
                    long scanned = RunQueries.finalMetric(run, "Range", "number of output rows");
                    long cacheScans = RunQueries.countFinal(run, n -> n.named("InMemoryTableScan"));
                    return Verdict.of(
                            scanned == RunQueries.knob(run, "rows") && cacheScans >= 3,
                            "source rows produced: %,d (%,d source rows), InMemoryTableScan operators: %d",
                            scanned,
                            RunQueries.knob(run, "rows"),
                            cacheScans);
                }))
                .evidence(Evidence.of("shuffles", Set.of("broken", "memory-only", "fixed"), run -> {
                    long mapStages = RunQueries.sourceMapStages(run).size();
                    boolean cached = RunQueries.finalHas(run, "InMemoryTableScan");
                    return Verdict.of(
                            mapStages == (cached ? 1 : 3),
                            "source map stages: %d (%s)",
                            mapStages,
                            cached ? "with the cache" : "without a cache");
                }))
                .evidence(Evidence.of("default-is-memory-and-disk", Set.of("fixed"), run -> storageLevel(run, true)))
                .evidence(
                        Evidence.of("memory-only-has-no-disk", Set.of("memory-only"), run -> storageLevel(run, false)))
                .primaryFinding("recomputation"));
    }

    /** The storage level the run measured on its cached DataFrame: in memory, and on disk or not. */
    private static Verdict storageLevel(RunSnapshot run, boolean disk) {
        long useMemory = run.measurement("cacheUseMemory");
        long useDisk = run.measurement("cacheUseDisk");
        return Verdict.of(
                useMemory == 1 && useDisk == (disk ? 1 : 0),
                "storage level: memory %s, disk %s",
                useMemory == 1 ? "yes" : "no",
                useDisk == 1 ? "yes" : "no");
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> totals = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), sum("id").as("total"))
                .withColumn("variant", lit(run.variant())); // one variant's cache never serves the other
        switch (run.variant()) {
            case "memory-only" -> totals.persist(StorageLevel.MEMORY_ONLY()); // RDD.cache()'s level
            case "fixed" -> totals.cache(); // spark.sql.defaultCacheStorageLevel: MEMORY_AND_DISK
            default -> {} // broken: nothing cached
        }
        StorageLevel level = totals.storageLevel(); // NONE when nothing is cached
        RDDInfo[] storage;
        try {
            run.collect(totals.agg(sum("n")));
            run.collect(totals.where(col("n").gt(1)).agg(count(lit(1))));
            run.collect(totals.agg(max("total")));
            storage = run.spark().sparkContext().getRDDStorageInfo(); // what the Storage tab lists
        } finally {
            totals.unpersist(true);
        }
        // lesson:end
        run.measure("cacheUseMemory", level.useMemory() ? 1 : 0);
        run.measure("cacheUseDisk", level.useDisk() ? 1 : 0);
        return level.description() + ": " + (storage.length == 0 ? "nothing cached" : Arrays.toString(storage));
    }
}
