package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;
import scala.Tuple2;

/** groupByKey ships every value across the shuffle; reduceByKey and DataFrames combine on the map side. */
@Component
class MapSideCombineExperiment implements Experiment {

    static final String ID = "map-side-combine";
    private static final int MAP_PARTITIONS = 8;
    private static final int REDUCE_PARTITIONS = 8;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Map-side combine: groupByKey ships every value",
            "Counting per key with groupByKey shuffles every record; reduceByKey shuffles one per key and map task.",
            List.of(Concept.SHUFFLE, Concept.STAGES, Concept.SPARK_UI),
            """
            A shuffle has two halves. The map side of a stage writes each record into the shuffle file \
            bucket of the partition its key belongs to; the reduce side of the next stage fetches its \
            bucket from every map task. What the map side writes is what crosses disks and the network, \
            so the cheapest shuffle is the one that shrinks the data before writing.

            groupByKey cannot shrink anything: its contract is "give me every value of the key", so every \
            (key, 1) pair is serialized, written, fetched and held in memory on the reduce side, only for \
            the values to be counted there. reduceByKey (and aggregateByKey, combineByKey) takes a function \
            that can merge values, so Spark runs it inside each map task first: a map task that saw a key \
            fifty thousand times writes one record for it. DataFrame aggregations do the same thing \
            automatically: the plan shows a partial HashAggregate before the Exchange and a final one \
            after it.

            In the lab, compare "shuffle write records" of the map stage with the number of input rows. \
            In the Spark UI the stage table's "Shuffle Write" column and the stage page's "Shuffle Write \
            Size / Records" tell the same story; on the reduce side, groupByKey's task memory and spill \
            are the next thing to break when one key has millions of values.""",
            new Code("""
                    // 8 map and 8 reduce partitions, set explicitly
                    JavaPairRDD<Long, Long> pairs = spark.range(0, rows, 1, 8).javaRDD()
                        .mapToPair(id -> new Tuple2<>(id % keys, 1L));

                    // broken: every pair crosses the shuffle, counted on the reduce side
                    List<Tuple2<Long, Long>> counts = pairs.groupByKey(8)
                        .mapValues(ones -> { long n = 0; for (Long one : ones) n += one; return n; })
                        .collect();

                    // fixed: partial sums inside each map task, one record per key per task
                    List<Tuple2<Long, Long>> counts = pairs.reduceByKey(Long::sum, 8).collect();

                    // dataframe: partial and final HashAggregate around the Exchange
                    spark.range(0, rows, 1, 8)
                        .groupBy(pmod(col("id"), lit(keys)).as("key")).agg(count(lit(1)).as("n"))
                        .collectAsList();""", """
                    -- The RDD variants have no SQL form; the DataFrame/SQL aggregation combines
                    -- on the map side by itself (partial_count before the Exchange):
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.shuffle.partitions = 8;

                    SELECT pmod(id, ${keys}) AS key, count(*) AS n
                    FROM range(0, ${rows}, 1, 8)
                    GROUP BY pmod(id, ${keys});"""),
            List.of(
                    IntegerKnob.of("rows", "Records", 400_000, 1_000, 20_000_000, "rows", "(key, 1) pairs to count"),
                    IntegerKnob.of("keys", "Keys", 1_000, 1, 1_000_000, "keys", "Distinct keys")),
            List.of(
                    Variant.of("broken", "groupByKey", "Every value is shuffled, then counted on the reduce side"),
                    Variant.of("fixed", "reduceByKey", "Values are summed inside each map task before the shuffle"),
                    Variant.of("dataframe", "DataFrame groupBy", "The SQL engine plans the partial aggregation itself")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", String.valueOf(REDUCE_PARTITIONS))),
            List.of(
                    Question.number(
                            "records-shuffled",
                            "How many records will the map stage write to the shuffle?",
                            run -> mapStage(run).shuffleWriteRecords()),
                    Question.number("stages", "How many stages will run?", RunQueries::stagesRun)),
            List.of(
                    Evidence.central(
                            "every-record-shuffled",
                            "Every input record crosses the shuffle: the map stage writes as many records as there are rows",
                            Set.of("broken"),
                            run -> {
                                StageSnapshot map = mapStage(run);
                                long rows = RunQueries.knob(run, "rows");
                                return Verdict.of(
                                        map.shuffleWriteRecords() >= rows,
                                        "map stage %d wrote %s records (%s) for %s input rows",
                                        map.stageId(),
                                        Figures.count(map.shuffleWriteRecords()),
                                        Figures.bytes(map.shuffleWriteBytes()),
                                        Figures.count(rows));
                            }),
                    Evidence.of(
                            "combined-on-map-side",
                            "Combined on the map side: at most one record per key and map task crosses the shuffle",
                            Set.of("fixed", "dataframe"),
                            run -> {
                                StageSnapshot map = mapStage(run);
                                long bound = Math.min(
                                        RunQueries.knob(run, "rows"),
                                        RunQueries.knob(run, "keys") * (long) MAP_PARTITIONS);
                                return Verdict.of(
                                        map.shuffleWriteRecords() <= bound,
                                        "map stage %d wrote %s records (%s); bound: %s (keys x %d map tasks)",
                                        map.stageId(),
                                        Figures.count(map.shuffleWriteRecords()),
                                        Figures.bytes(map.shuffleWriteBytes()),
                                        Figures.count(bound),
                                        MAP_PARTITIONS);
                            }),
                    Evidence.of(
                            "partial-aggregate",
                            "The DataFrame plan aggregates twice: a partial HashAggregate before the Exchange, a final one after it",
                            Set.of("dataframe"),
                            run -> {
                                long partial = RunQueries.finalNodes(run, "HashAggregate", n -> n.simpleString()
                                                .contains("partial_count"))
                                        .size();
                                long all = RunQueries.finalNodes(run, "HashAggregate")
                                        .size();
                                return Verdict.of(
                                        partial == 1 && all == 2 && RunQueries.exchanges(run) == 1,
                                        "HashAggregate nodes: %d (partial: %d), shuffle Exchanges: %d",
                                        all,
                                        partial,
                                        RunQueries.exchanges(run));
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** The stage that wrote the shuffle. */
    static StageSnapshot mapStage(RunSnapshot run) {
        return RunQueries.shuffleMapStages(run).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no stage wrote shuffle data"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        long rows = k.integer("rows");
        long keys = k.integer("keys");
        if ("dataframe".equals(run.variant())) {
            Dataset<Row> counts = run.spark()
                    .range(0, rows, 1, MAP_PARTITIONS)
                    .groupBy(pmod(col("id"), lit(keys)).as("key"))
                    .agg(count(lit(1)).as("n"));
            return run.collect(counts).size() + " keys counted by the DataFrame";
        }
        // RDD jobs run on this thread, so the run's job group (and the lab's attribution) applies.
        JavaPairRDD<Long, Long> pairs =
                run.spark().range(0, rows, 1, MAP_PARTITIONS).javaRDD().mapToPair(id -> new Tuple2<>(id % keys, 1L));
        List<Tuple2<Long, Long>> counts;
        if ("fixed".equals(run.variant())) {
            counts = pairs.reduceByKey(Long::sum, REDUCE_PARTITIONS).collect();
        } else {
            counts = pairs.groupByKey(REDUCE_PARTITIONS)
                    .mapValues(ones -> {
                        long n = 0;
                        for (Long one : ones) {
                            n += one;
                        }
                        return n;
                    })
                    .collect();
        }
        return counts.size() + " keys counted";
    }
}
