package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Spark's default 200 shuffle partitions on a small aggregation: AQE coalesces them at runtime. */
@Component
class AqeCoalesceExperiment extends ExperimentBase {

    AqeCoalesceExperiment() {
        super(define("aqe-coalesce", AqeCoalesceExperiment.class)
                .concepts(Concept.AQE, Concept.PARTITIONS, Concept.SHUFFLE)
                .sql("""
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n, max(id) AS last
                    FROM range(0, ${rows}, 1, 4)
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(500_000, 100_000_000))
                .knob(Knobs.groups(50_000, 10_000_000))
                .knob(Knobs.shufflePartitions(200, 5_000, "the partition count the plan starts with"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOn("fixed")
                        .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                        .withConf("spark.sql.adaptive.coalescePartitions.parallelismFirst", "true")
                        .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64m"))
                .variant(Variants.aqeOn("no-coalesce")
                        .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false"))
                .question(Questions.tasks(
                        "aggregate-tasks", "aggregate (after the shuffle)", RunQueries::shuffleReadStage))
                .question(Questions.aqeCoalesces())
                .evidence(Evidence.central("all-partitions-read", Set.of("broken", "no-coalesce"), run -> {
                    StageSnapshot stage = RunQueries.shuffleReadStage(run);
                    long configured = RunQueries.knob(run, "shufflePartitions");
                    return Verdict.of(
                            stage.numTasks() == configured && configured >= 100,
                            "spark.sql.shuffle.partitions: %d, aggregate stage tasks: %d, median read %d bytes",
                            configured,
                            stage.numTasks(),
                            stage.taskShuffleReadBytes().p50());
                }))
                .evidence(Evidence.coalesced("coalesced", Set.of("fixed"), 10))
                .primaryFinding("tiny-tasks"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> query = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), max("id").as("last"));
        run.execute(query);
        // lesson:end
        return k.integer("keys") + " groups aggregated";
    }
}
