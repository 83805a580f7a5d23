package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lpad;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Figures;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.SqlSnapshot;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.springframework.stereotype.Component;

/**
 * cache-eviction for real: a MEMORY_ONLY cache bigger than the storage memory of the local
 * cluster's small executors. Spark stores what fits, drops the rest without a word, and every later
 * action recomputes the missing partitions from the source. MEMORY_AND_DISK keeps them on disk;
 * caching only the columns the reports need fits in memory.
 */
@Component
class CacheEvictionClusterExperiment extends ExperimentBase {

    static final String ID = "cache-eviction-cluster";

    private static final String SQL = """
            CREATE TEMP VIEW events AS
              SELECT id, pmod(id, 100) AS key, lpad(CAST(id AS STRING), ${payloadChars}, 'x') AS payload,
                     '%s' AS variant
              FROM range(0, ${rows}, 1, ${partitions});
            CACHE LAZY TABLE %s OPTIONS ('storageLevel' '%s');
            SELECT key, count(1) FROM %2$s GROUP BY key;
            SELECT key, sum(id) FROM %2$s GROUP BY key;
            UNCACHE TABLE %2$s""";

    CacheEvictionClusterExperiment() {
        super(define(ID, CacheEvictionClusterExperiment.class)
                .concepts(Concept.MEMORY, Concept.STAGES, Concept.SPARK_UI)
                .requires(Requires.CLUSTER)
                .sql(SQL.formatted("broken", "events", "MEMORY_ONLY"))
                .sql("fixed", SQL.formatted("fixed", "events", "MEMORY_AND_DISK"))
                .sql("cache-less", """
                    CREATE TEMP VIEW events AS
                      SELECT id, pmod(id, 100) AS key, lpad(CAST(id AS STRING), ${payloadChars}, 'x') AS payload,
                             'cache-less' AS variant
                      FROM range(0, ${rows}, 1, ${partitions});
                    CREATE TEMP VIEW needed AS SELECT id, key, variant FROM events;
                    CACHE LAZY TABLE needed OPTIONS ('storageLevel' 'MEMORY_ONLY');
                    SELECT key, count(1) FROM needed GROUP BY key;
                    SELECT key, sum(id) FROM needed GROUP BY key;
                    UNCACHE TABLE needed""")
                .knob(Knobs.rows(1_500_000, 10_000_000))
                .knob(Knob.IntegerKnob.of("payloadChars", 200, 1, 1_000, "characters"))
                .knob(Knob.IntegerKnob.of("partitions", 8, 2, 64, "partitions"))
                // Both reports group by 100 keys: 4 shuffle partitions, not Spark's 200 tiny tasks.
                .variant(Variants.aqeOff("broken").withConf("spark.sql.shuffle.partitions", "4"))
                .variant(Variants.aqeOff("fixed").withConf("spark.sql.shuffle.partitions", "4"))
                .variant(Variants.aqeOff("cache-less").withConf("spark.sql.shuffle.partitions", "4"))
                .question(Questions.yesNo(
                        "all-cached", run -> run.measurement("cachedPartitions") == RunQueries.knob(run, "partitions")))
                .question(Questions.yesNo("second-recomputes", run -> sourceRowsAfterFirst(run) > 0))
                .evidence(Evidence.central(
                        "partially-cached",
                        Set.of("broken"),
                        run -> Verdict.of(
                                run.measurement("cachedPartitions") < RunQueries.knob(run, "partitions")
                                        && run.measurement("cacheDiskBytes") == 0,
                                "%s",
                                storage(run))))
                .evidence(Evidence.of(
                        "recomputed",
                        Set.of("broken"),
                        run -> Verdict.of(
                                sourceRowsAfterFirst(run) > 0,
                                "source rows computed: %,d by the first report, %,d by the second (%,d rows in all)",
                                sourceRows(run, 0),
                                sourceRowsAfterFirst(run),
                                RunQueries.knob(run, "rows"))))
                .evidence(Evidence.of(
                        "all-cached-part-on-disk",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                run.measurement("cachedPartitions") == RunQueries.knob(run, "partitions")
                                        && run.measurement("cacheDiskBytes") > 0,
                                "%s",
                                storage(run))))
                .evidence(Evidence.of(
                        "all-cached-in-memory",
                        Set.of("cache-less"),
                        run -> Verdict.of(
                                run.measurement("cachedPartitions") == RunQueries.knob(run, "partitions")
                                        && run.measurement("cacheDiskBytes") == 0,
                                "%s",
                                storage(run))))
                .evidence(Evidence.of(
                        "read-from-cache",
                        Set.of("fixed", "cache-less"),
                        run -> Verdict.of(
                                sourceRowsAfterFirst(run) == 0 && sourceRows(run, 0) == RunQueries.knob(run, "rows"),
                                "source rows computed: %,d by the first report, %,d by the second",
                                sourceRows(run, 0),
                                sourceRowsAfterFirst(run))))
                .primaryFinding("partial-cache"));
    }

    private static String storage(RunSnapshot run) {
        return "%d of %d partitions cached (%s); %s in memory, %s on disk; storage memory of the executors %s"
                .formatted(
                        run.measurement("cachedPartitions"),
                        RunQueries.knob(run, "partitions"),
                        Figures.percent((double) run.measurement("cachedPartitions")
                                / Math.max(1, RunQueries.knob(run, "partitions"))),
                        Figures.bytes(run.measurement("cacheMemoryBytes")),
                        Figures.bytes(run.measurement("cacheDiskBytes")),
                        Figures.bytes(run.measurement("storageMemoryBytes")));
    }

    /** Rows the source (Range) produced in the {@code index}-th report, the cached plan's included. */
    private static long sourceRows(RunSnapshot run, int index) {
        List<SqlSnapshot> reports = run.sql();
        return index < reports.size() ? rangeRows(reports.get(index)) : 0;
    }

    private static long sourceRowsAfterFirst(RunSnapshot run) {
        return run.sql().stream()
                .skip(1)
                .mapToLong(CacheEvictionClusterExperiment::rangeRows)
                .sum();
    }

    private static long rangeRows(SqlSnapshot sql) {
        return sql.finalPlan().map(PlanVersion::tree).stream()
                .flatMap(PlanNode::stream)
                .filter(n -> n.named("Range"))
                .mapToLong(n -> SparkMetricText.orZero(n, "number of output rows"))
                .sum();
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> events = run.spark()
                .range(0, k.integer("rows"), 1, k.intValue("partitions"))
                .select(
                        col("id"),
                        pmod(col("id"), lit(100)).as("key"),
                        lpad(col("id").cast("string"), k.intValue("payloadChars"), "x")
                                .as("payload"))
                .withColumn("variant", lit(run.variant())); // one variant's cache never serves another
        Dataset<Row> cached =
                switch (run.variant()) {
                    case "fixed" -> events.persist(StorageLevel.MEMORY_AND_DISK());
                    case "cache-less" -> events.select("id", "key", "variant").persist(StorageLevel.MEMORY_ONLY());
                    default -> events.persist(StorageLevel.MEMORY_ONLY()); // broken: whole rows, memory only
                };
        RDDInfo[] storage;
        try {
            run.collect(cached.groupBy("key").agg(count(lit(1)))); // computes and caches every partition it can
            run.collect(cached.groupBy("key").agg(sum("id"))); // reads the cache, recomputes what is missing
            storage = run.spark().sparkContext().getRDDStorageInfo(); // what the Storage tab lists
        } finally {
            cached.unpersist(true);
        }
        // lesson:end
        RDDInfo table = Arrays.stream(storage)
                .filter(info -> info.numCachedPartitions() > 0)
                .findFirst()
                .orElse(null);
        run.measure("cachedPartitions", table == null ? 0 : table.numCachedPartitions());
        run.measure("cacheMemoryBytes", table == null ? 0 : table.memSize());
        run.measure("cacheDiskBytes", table == null ? 0 : table.diskSize());
        // The executors' storage memory (the driver's block manager holds no partition of the table).
        BlockManagerId driver = SparkEnv.get().blockManager().blockManagerId();
        long storageMemory = Arrays.stream(
                        run.spark().sparkContext().statusTracker().getExecutorInfos())
                .filter(e -> !(e.host().equals(driver.host()) && e.port() == driver.port()))
                .mapToLong(SparkExecutorInfo::totalOnHeapStorageMemory)
                .sum();
        run.measure("storageMemoryBytes", storageMemory);
        return table == null ? "nothing cached" : table.toString();
    }
}
