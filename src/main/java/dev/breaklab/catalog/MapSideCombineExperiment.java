package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;
import scala.Tuple2;

/** groupByKey ships every value across the shuffle; reduceByKey and DataFrames combine on the map side. */
@Component
class MapSideCombineExperiment extends ExperimentBase {

    MapSideCombineExperiment() {
        super(define("map-side-combine", MapSideCombineExperiment.class)
                .concepts(Concept.SHUFFLE, Concept.STAGES, Concept.SPARK_UI)
                .sql("dataframe", """
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n
                    FROM range(0, ${rows}, 1, 8)
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(400_000, 20_000_000))
                .knob(IntegerKnob.of("keys", 1_000, 1, 1_000_000, "keys"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .variant(Variants.aqeOff("dataframe").withConf("spark.sql.shuffle.partitions", "8"))
                .question(Question.number("records-shuffled", RunQueries::shuffleRecordsWritten))
                .question(Questions.stagesRun())
                .evidence(Evidence.central("every-record-shuffled", Set.of("broken"), run -> {
                    long rows = RunQueries.knob(run, "rows");
                    return Verdict.of(
                            RunQueries.shuffleRecordsWritten(run) >= rows,
                            "the map stage wrote %s records (%s) for %s input rows",
                            Figures.count(RunQueries.shuffleRecordsWritten(run)),
                            Figures.bytes(RunQueries.shuffleWritten(run)),
                            Figures.count(rows));
                }))
                .evidence(Evidence.of("combined-on-map-side", Set.of("fixed", "dataframe"), run -> {
                    int mapTasks = RunQueries.shuffleMapStages(run).get(0).numTasks();
                    long bound = Math.min(RunQueries.knob(run, "rows"), RunQueries.knob(run, "keys") * mapTasks);
                    return Verdict.of(
                            RunQueries.shuffleRecordsWritten(run) <= bound,
                            "the map stage wrote %s records (%s); bound: %s (keys x %d map tasks)",
                            Figures.count(RunQueries.shuffleRecordsWritten(run)),
                            Figures.bytes(RunQueries.shuffleWritten(run)),
                            Figures.count(bound),
                            mapTasks);
                }))
                .evidence(Evidence.of("partial-aggregate", Set.of("dataframe"), run -> {
                    long partial = RunQueries.finalNodes(run, "HashAggregate", n -> n.marked("partial_count"))
                            .size();
                    long all = RunQueries.finalNodes(run, "HashAggregate").size();
                    return Verdict.of(
                            partial == 1 && all == 2 && RunQueries.exchanges(run) == 1,
                            "HashAggregate nodes: %d (partial: %d), shuffle Exchanges: %d",
                            all,
                            partial,
                            RunQueries.exchanges(run));
                }))
                .primaryFinding("no-map-side-combine"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long keys = k.integer("keys");
        long counted;
        if (run.variant().equals("dataframe")) {
            Dataset<Row> counts = run.spark()
                    .range(0, k.integer("rows"), 1, 8)
                    .groupBy(pmod(col("id"), lit(keys)).as("key"))
                    .agg(count(lit(1)).as("n"));
            counted = run.collect(counts).size();
        } else {
            JavaPairRDD<Long, Long> pairs = run.spark()
                    .range(0, k.integer("rows"), 1, 8)
                    .javaRDD()
                    .mapToPair(id -> new Tuple2<>(id % keys, 1L));
            JavaPairRDD<Long, Long> counts = run.variant().equals("fixed")
                    ? pairs.reduceByKey(Long::sum, 8) // partial sums inside each map task
                    : pairs.groupByKey(8) // every pair crosses the shuffle, summed on the reduce side
                            .mapValues(ones -> StreamSupport.stream(ones.spliterator(), false)
                                    .mapToLong(Long::longValue)
                                    .sum());
            counted = counts.collect().size();
        }
        // lesson:end
        return counted + " keys counted";
    }
}
