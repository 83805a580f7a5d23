package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.springframework.stereotype.Component;

/**
 * A DataFrame used by several actions and not (or no longer) in the cache: every action recomputes
 * it from its source. The lab JVM's storage memory is too large to fill in seconds, so the
 * experiment shows the cost of a miss (what an eviction turns a cached read into) rather than
 * waiting for Spark to evict.
 */
@Component
class CacheEvictionExperiment implements Experiment {

    static final String ID = "cache-eviction";
    private static final int ACTIONS = 3;
    private static final int SOURCE_PARTITIONS = 8;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Cache misses: recomputing what you thought was cached",
            "A DataFrame reused by three actions and not in the cache is rebuilt from its source every time; cached, it is built once.",
            List.of(Concept.MEMORY, Concept.STAGES, Concept.SPARK_UI),
            """
            A DataFrame is a recipe, not a result. Each action (count, collect, write) runs the whole \
            recipe from the source unless the result was persisted: three reports over the same expensive \
            intermediate table mean three scans and three shuffles. cache()/persist() keeps the computed \
            partitions in the executors' storage memory (MEMORY_ONLY) or spills what does not fit to disk \
            (MEMORY_AND_DISK).

            Storage memory is shared with execution memory (joins, sorts, aggregations) in one unified pool, \
            and execution wins: when a heavy shuffle needs room, cached blocks are evicted, least recently \
            used first. With MEMORY_ONLY an evicted partition is simply gone, and the next action quietly \
            recomputes it from the lineage, exactly as if it had never been cached. The job still \
            succeeds; it is just as slow as before you cached, and nothing in the code says so.

            Forcing a real eviction needs a cache bigger than storage memory, which in this lab's JVM means \
            gigabytes and minutes, so this experiment shows what every eviction costs instead: the broken \
            variant reuses an aggregated DataFrame in three actions with nothing cached (the state a fully \
            evicted MEMORY_ONLY cache leaves you in); the fixed variant persists it with MEMORY_AND_DISK, so \
            partitions that do not fit go to disk instead of being dropped. The run's result line reads \
            Spark's storage status (the fraction of partitions cached, memory and disk used) before the \
            cache is released, as every run must.

            In the lab, count the shuffle map stages (one per action when nothing is cached, one in total \
            when cached) and look for InMemoryTableScan in the later actions' plans. In the Spark UI, the \
            Storage tab lists the cached DataFrame with "Fraction Cached" (below 100% means evicted or never \
            fully computed) and its size in memory and on disk; the Executors tab shows storage memory used.""",
            new Code("""
                    Dataset<Row> totals = spark.range(0, rows, 1, 8)
                        .groupBy(pmod(col("id"), lit(keys)).as("key"))
                        .agg(count(lit(1)).as("n"), sum("id").as("total"))
                        .withColumn("variant", lit(variant));  // the lab's tag: variants never share a cache

                    // fixed only: keep it, spilling to disk what does not fit in memory
                    totals.persist(StorageLevel.MEMORY_AND_DISK());

                    totals.agg(sum("n")).collectAsList();                  // action 1
                    totals.where(col("n").gt(1)).agg(count(lit(1))).collectAsList();  // action 2
                    totals.agg(max("total")).collectAsList();              // action 3

                    spark.sparkContext().getRDDStorageInfo();               // fraction cached, sizes
                    totals.unpersist(true);""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.shuffle.partitions = 8;

                    CREATE TEMP VIEW totals AS
                      SELECT pmod(id, ${keys}) AS key, count(*) AS n, sum(id) AS total, '${variant}' AS variant
                      FROM range(0, ${rows}, 1, 8) GROUP BY pmod(id, ${keys});

                    -- fixed only; LAZY: the first query below fills the cache, as in the Java code
                    CACHE LAZY TABLE totals OPTIONS ('storageLevel' 'MEMORY_AND_DISK');

                    SELECT sum(n) FROM totals;
                    SELECT count(*) FROM totals WHERE n > 1;
                    SELECT max(total) FROM totals;

                    UNCACHE TABLE totals;"""),
            List.of(
                    IntegerKnob.of("rows", "Rows", 1_000_000, 10_000, 100_000_000, "rows", "Rows in the source"),
                    IntegerKnob.of(
                            "keys", "Groups", 50_000, 1, 10_000_000, "keys", "Rows of the aggregated DataFrame")),
            List.of(
                    pinned(Variant.of(
                            "broken",
                            "Reused, not cached",
                            "Three actions on the same DataFrame, nothing persisted: three full recomputations")),
                    pinned(Variant.of(
                            "fixed",
                            "persist(MEMORY_AND_DISK)",
                            "Computed once by the first action, read from the cache by the other two"))),
            List.of(
                    Question.number(
                            "source-map-stages",
                            "Across the three actions, how many stages will scan the source and shuffle it for the aggregation?",
                            CacheEvictionExperiment::sourceMapStages),
                    Question.choice(
                            "cache-used",
                            "Will the later actions read an InMemoryTableScan?",
                            List.of("yes", "no"),
                            run -> RunQueries.finalHas(run, "InMemoryTableScan") ? "yes" : "no")),
            List.of(
                    Evidence.central(
                            "recomputed",
                            "Every action recomputes the DataFrame from its source: the source is read once per action",
                            Set.of("broken"),
                            run -> {
                                long scanned = RunQueries.finalMetric(run, "Range", "number of output rows");
                                long rows = ((Number) run.knobs().get("rows")).longValue();
                                return Verdict.of(
                                        scanned >= ACTIONS * rows,
                                        "source rows produced: %,d over %d actions (%.1fx the %,d source rows)",
                                        scanned,
                                        run.sql().size(),
                                        (double) scanned / rows,
                                        rows);
                            }),
                    Evidence.of(
                            "computed-once",
                            "Cached, the DataFrame is computed once: the source is read once and the later actions scan the cache",
                            Set.of("fixed"),
                            run -> {
                                long scanned = RunQueries.finalMetric(run, "Range", "number of output rows");
                                long rows = ((Number) run.knobs().get("rows")).longValue();
                                long cacheScans = RunQueries.countFinal(
                                        run, n -> n.nodeName().equals("InMemoryTableScan"));
                                return Verdict.of(
                                        scanned == rows && cacheScans >= ACTIONS,
                                        "source rows produced: %,d (%,d source rows), InMemoryTableScan operators: %d",
                                        scanned,
                                        rows,
                                        cacheScans);
                            }),
                    Evidence.of(
                            "shuffles",
                            "The aggregation's shuffle runs once per computation: one map stage per action uncached, one in total cached",
                            Set.of("broken", "fixed"),
                            run -> {
                                long mapStages = sourceMapStages(run);
                                boolean cached = RunQueries.finalHas(run, "InMemoryTableScan");
                                long expected = cached ? 1 : ACTIONS;
                                return Verdict.of(
                                        mapStages == expected,
                                        "source map stages: %d (expected %d %s)",
                                        mapStages,
                                        expected,
                                        cached ? "with the cache" : "without a cache");
                            })),
            "embedded");

    /** Static plans and 8 partitions: the stage counts are then easy to read. */
    private static Variant pinned(Variant variant) {
        return variant.withConf("spark.sql.adaptive.enabled", "false").withConf("spark.sql.shuffle.partitions", "8");
    }

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /**
     * Stages that computed the aggregation's map side from the source: one task per source
     * partition, shuffle written, nothing read from a shuffle or from the cache (a cache read counts
     * as input bytes).
     */
    static long sourceMapStages(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.numTasks() == SOURCE_PARTITIONS && s.shuffleWriteBytes() > 0)
                .filter(s -> s.inputBytes() == 0 && s.shuffleReadBytes() == 0)
                .count();
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        boolean cache = "fixed".equals(run.variant());
        // The variant is part of the plan, so that a cached plan of one variant can never serve the other.
        Dataset<Row> totals = run.spark()
                .range(0, k.integer("rows"), 1, SOURCE_PARTITIONS)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), sum("id").as("total"))
                .withColumn("variant", lit(run.variant()));
        if (cache) {
            totals.persist(StorageLevel.MEMORY_AND_DISK());
        }
        try {
            long n = run.collect(totals.agg(sum("n"))).get(0).getLong(0);
            long repeated = run.collect(totals.where(col("n").gt(1)).agg(count(lit(1))))
                    .get(0)
                    .getLong(0);
            long highest = run.collect(totals.agg(max("total"))).get(0).getLong(0);
            String storage = cache ? storage(run) : "nothing cached";
            return String.format(
                    Locale.ROOT, "%,d rows, %,d groups with repeats, max total %,d; %s", n, repeated, highest, storage);
        } finally {
            if (cache) {
                totals.unpersist(true);
            }
        }
    }

    /** Spark's own storage status of the run's cached DataFrame, as the Storage tab shows it. */
    private static String storage(ExperimentRun run) {
        int cachedPartitions = 0;
        int partitions = 0;
        long memory = 0;
        long disk = 0;
        for (RDDInfo info : run.spark().sparkContext().getRDDStorageInfo()) {
            cachedPartitions += info.numCachedPartitions();
            partitions += info.numPartitions();
            memory += info.memSize();
            disk += info.diskSize();
        }
        return String.format(
                Locale.ROOT,
                "cached %d of %d partitions (%s in memory, %s on disk)",
                cachedPartitions,
                partitions,
                Figures.bytes(memory),
                Figures.bytes(disk));
    }
}
