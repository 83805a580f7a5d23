package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** AQE told to fill big partitions packs the whole shuffle into one task while the other cores idle. */
@Component
class AqeHurtsExperiment extends ExperimentBase {

    AqeHurtsExperiment() {
        super(define("aqe-hurts", AqeHurtsExperiment.class)
                .concepts(Concept.AQE, Concept.PARTITIONS, Concept.SPARK_UI)
                .sql("""
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n, sum(id) AS total
                    FROM range(0, ${rows}, 1, 4)
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(2_400_000, 100_000_000))
                .knob(IntegerKnob.of("keys", 2_400_000, 1, 100_000_000, "keys"))
                .knob(IntegerKnob.of("advisoryPartitionSize", 268_435_456, 1_048_576, 1_073_741_824, "bytes")
                        .conf("spark.sql.adaptive.advisoryPartitionSizeInBytes"))
                .knob(Knobs.shufflePartitions(200, 5_000, "the partitions AQE starts coalescing from"))
                .variant(pinned("broken", false))
                .variant(pinned("fixed", true))
                .question(Questions.tasks(
                        "aggregate-tasks", "aggregate (after the shuffle)", RunQueries::shuffleReadStage))
                .question(Questions.aqeCoalesces())
                .evidence(Evidence.coalescedInto("one-task", Set.of("broken"), tasks -> tasks == 1)
                        .asCentral())
                .evidence(Evidence.coalescedInto("shared", Set.of("fixed"), tasks -> tasks >= 2))
                .evidence(Evidence.of("worth-sharing", Set.of("broken", "fixed"), run -> {
                    long read = RunQueries.shuffleReadStage(run).shuffleReadBytes();
                    return Verdict.of(read >= 4L * 1024 * 1024, "shuffle read: %s", Figures.bytes(read));
                }))
                .primaryFinding("low-parallelism"));
    }

    /** AQE on with a literal-minded advisory size; only parallelismFirst differs between the variants. */
    private static Variant pinned(String name, boolean parallelismFirst) {
        return Variants.aqeOn(name)
                .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                .withConf("spark.sql.adaptive.coalescePartitions.minPartitionSize", "1m")
                .withConf("spark.sql.adaptive.coalescePartitions.parallelismFirst", String.valueOf(parallelismFirst));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> query = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), sum("id").as("total"));
        run.execute(query);
        // lesson:end
        return k.integer("keys") + " groups aggregated";
    }
}
