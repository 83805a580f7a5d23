package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Thousands of shuffle partitions for a hundred kilobytes: the stage is all scheduling overhead. */
@Component
class TinyPartitionsExperiment extends ExperimentBase {

    TinyPartitionsExperiment() {
        super(define("tiny-partitions", TinyPartitionsExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.AQE, Concept.STAGES)
                .sql("""
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n, sum(id) AS total
                    FROM range(${rows})
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(200_000, 50_000_000))
                .knob(Knobs.groups(1_000, 1_000_000))
                .knob(Knobs.shufflePartitions(1_000, 10_000, "tasks after the shuffle"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOn("fixed").withConf("spark.sql.adaptive.coalescePartitions.enabled", "true"))
                .variant(Variants.aqeOff("sane-partitions").withKnob("shufflePartitions", 8L))
                .question(Questions.tasks(
                        "aggregate-tasks", "aggregate (after the shuffle)", RunQueries::shuffleReadStage))
                .question(Questions.stagesRun())
                .question(Questions.aqeCoalesces())
                .evidence(Evidence.central("thousands-of-tasks", Set.of("broken"), run -> {
                    StageSnapshot stage = RunQueries.shuffleReadStage(run);
                    return Verdict.of(
                            stage.numTasks() >= 1_000,
                            "stage %d ran %d tasks, median %d ms",
                            stage.stageId(),
                            stage.numTasks(),
                            stage.taskDurationMs().p50());
                }))
                .evidence(Evidence.of("tiny-tasks", Set.of("broken"), run -> {
                    long median = RunQueries.shuffleReadStage(run)
                            .taskShuffleReadBytes()
                            .p50();
                    return Verdict.of(median < 10_240, "median shuffle read per task: %d bytes", median);
                }))
                .evidence(Evidence.coalesced("coalesced", Set.of("fixed"), 50))
                .primaryFinding("tiny-tasks"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> query = run.spark()
                .range(k.integer("rows"))
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), sum("id").as("total"));
        run.execute(query);
        // lesson:end
        return k.integer("keys") + " groups aggregated";
    }
}
