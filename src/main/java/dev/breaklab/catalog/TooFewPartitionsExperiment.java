package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** coalesce(1) before the write: the whole CPU-heavy stage runs as one task while the other cores idle. */
@Component
class TooFewPartitionsExperiment extends ExperimentBase {

    /** The query; the hint that stands for coalesce(1) or repartition(1) goes after SELECT. */
    private static final String SQL = """
            SELECT %sid, aggregate(sequence(1, ${rounds}), CAST(id AS STRING), (d, i) -> sha2(d, 256)) AS digest
            FROM range(0, ${rows}, 1, ${inputPartitions})""";

    TooFewPartitionsExperiment() {
        super(define("too-few-partitions", TooFewPartitionsExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.STAGES, Concept.SPARK_UI)
                .sql(SQL.formatted(""))
                .sql("broken", SQL.formatted("/*+ COALESCE(1) */ "))
                .sql("single-file", SQL.formatted("/*+ REPARTITION(1) */ "))
                .knob(Knobs.rows(400_000, 20_000_000))
                .knob(IntegerKnob.of("rounds", 8, 1, 32, "rounds"))
                .knob(IntegerKnob.of("inputPartitions", 8, 1, 64, "partitions"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .variant(Variants.aqeOff("single-file"))
                .question(Questions.tasks("hash-tasks", "hashing", run -> RunQueries.busiestStage(run)
                        .orElseThrow()))
                .question(Question.number(
                        "peak-cores",
                        run -> RunQueries.peakConcurrency(
                                run, RunQueries.busiestStage(run).orElseThrow())))
                .question(Questions.stagesRun())
                .evidence(Evidence.central("one-task", Set.of("broken"), run -> {
                    StageSnapshot stage = RunQueries.busiestStage(run).orElseThrow();
                    int peak = RunQueries.peakConcurrency(run, stage);
                    return Verdict.of(
                            stage.numTasks() == 1 && peak == 1,
                            "stage %d: %d task(s), peak %d running at once, %d ms of task time in %d ms",
                            stage.stageId(),
                            stage.numTasks(),
                            peak,
                            stage.executorRunTimeMs(),
                            stage.durationMs());
                }))
                .evidence(Evidence.of("all-cores", Set.of("fixed", "single-file"), run -> {
                    StageSnapshot stage = RunQueries.busiestStage(run).orElseThrow();
                    int peak = RunQueries.peakConcurrency(run, stage);
                    long partitions = RunQueries.knob(run, "inputPartitions");
                    return Verdict.of(
                            stage.numTasks() == partitions && peak >= 2,
                            "stage %d: %d tasks for %d input partitions, peak %d running at once",
                            stage.stageId(),
                            stage.numTasks(),
                            partitions,
                            peak);
                }))
                .evidence(Evidence.of("one-writer", Set.of("single-file"), run -> {
                    int lastTasks = RunQueries.lastStage(run).orElseThrow().numTasks();
                    return Verdict.of(
                            RunQueries.exchanges(run) == 1 && lastTasks == 1 && RunQueries.stagesRun(run) == 2,
                            "shuffle Exchanges: %d; stages: %d; the last stage ran %d task(s)",
                            RunQueries.exchanges(run),
                            RunQueries.stagesRun(run),
                            lastTasks);
                }))
                .primaryFinding("low-parallelism"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Column digest = col("id").cast("string");
        for (int i = 0; i < k.intValue("rounds"); i++) {
            digest = sha2(digest, 256); // CPU-heavy, and narrow: no new stage
        }
        Dataset<Row> hashed = run.spark()
                .range(0, k.integer("rows"), 1, k.intValue("inputPartitions"))
                .select(col("id"), digest.as("digest"));
        Dataset<Row> query =
                switch (run.variant()) {
                    case "broken" -> hashed.coalesce(1); // one partition: the whole stage is one task
                    case "single-file" -> hashed.repartition(1); // a shuffle: hash in parallel, write in one task
                    default -> hashed;
                };
        run.execute(query);
        // lesson:end
        return k.integer("rows") + " rows hashed " + k.integer("rounds") + " times";
    }
}
