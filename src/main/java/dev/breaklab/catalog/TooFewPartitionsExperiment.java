package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sha2;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** coalesce(1) before the write: the whole CPU-heavy stage runs as one task while the other cores idle. */
@Component
class TooFewPartitionsExperiment implements Experiment {

    static final String ID = "too-few-partitions";

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Too few partitions: one task, idle cores",
            "coalesce(1) to get one output file pulls the whole computation into a single task.",
            List.of(Concept.PARTITIONS, Concept.STAGES, Concept.SPARK_UI),
            """
            A task is the unit of parallelism: one partition, one task, one core. However many cores the \
            cluster has, a stage with fewer partitions than cores leaves the rest idle, and a stage with \
            one partition runs on one core while you pay for all of them.

            The classic way to get there is asking for a single output file with coalesce(1). coalesce \
            merges partitions without a shuffle, so it does not just affect the write: it reaches back up \
            the stage and makes everything before it, here a CPU-heavy hashing step over 8 input \
            partitions, run as one task. The same happens with an unsplittable input (one big gzip file), \
            a JDBC read without partitioning options, or spark.sql.shuffle.partitions set lower than the \
            core count.

            In the lab, look at the hashing stage's task count and at how many of its tasks ever ran at \
            the same time (peak concurrency, from the tasks' launch and finish times). In the Spark UI, \
            the stage page shows "Tasks: 1", the event timeline shows a single bar while the other \
            executor cores stay empty, and the Executors tab shows one core's worth of task time.

            The fixes: keep the partitions (write several files), or if one file is really required, use \
            repartition(1) instead: it adds a shuffle, so the expensive work runs in parallel and only the \
            cheap final write is single-threaded.""",
            new Code("""
                    // spark.sql.adaptive.enabled=false
                    Column digest = col("id").cast("string");
                    for (int i = 0; i < rounds; i++) {
                        digest = sha2(digest, 256);                  // CPU-heavy, narrow
                    }
                    Dataset<Row> hashed = spark.range(0, rows, 1, 8)
                        .select(col("id"), digest.as("digest"));

                    hashed.coalesce(1)          // broken: the whole stage becomes one task
                    // hashed                   // fixed: 8 tasks on every core
                    // hashed.repartition(1)    // single-file: hash in parallel, write in one task
                        .write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.adaptive.enabled = false;

                    -- broken: COALESCE(1); single-file: REPARTITION(1); fixed: no hint
                    SELECT /*+ COALESCE(1) */ id,
                           sha2(sha2(sha2(sha2(cast(id AS string), 256), 256), 256), 256) AS digest
                    FROM range(0, ${rows}, 1, 8);   -- ${rounds} nested sha2 calls"""),
            List.of(
                    IntegerKnob.of("rows", "Rows", 400_000, 1_000, 20_000_000, "rows", "Rows hashed"),
                    IntegerKnob.of(
                            "rounds", "Hash rounds", 4, 1, 32, "rounds", "SHA-256 applied this many times per row"),
                    IntegerKnob.of(
                            "inputPartitions",
                            "Input partitions",
                            8,
                            1,
                            64,
                            "partitions",
                            "Partitions of the source before coalesce/repartition")),
            List.of(
                    Variant.of("broken", "coalesce(1)", "One output partition, and one task for all the hashing")
                            .withConf("spark.sql.adaptive.enabled", "false"),
                    Variant.of("fixed", "Keep the partitions", "No coalesce: every input partition is a task")
                            .withConf("spark.sql.adaptive.enabled", "false"),
                    Variant.of(
                                    "single-file",
                                    "repartition(1)",
                                    "One output partition, but the hashing runs in parallel before the shuffle")
                            .withConf("spark.sql.adaptive.enabled", "false")),
            List.of(
                    Question.number(
                            "hash-tasks",
                            "How many tasks will the stage that does the hashing run?",
                            run -> hashingStage(run).numTasks()),
                    Question.number(
                            "peak-cores",
                            "How many of its tasks will run at the same time, at most?",
                            run -> RunQueries.peakConcurrency(run, hashingStage(run))),
                    Question.number("stages", "How many stages will run?", RunQueries::stagesRun)),
            List.of(
                    Evidence.central(
                            "one-task",
                            "The hashing stage runs as a single task: at no moment does more than one core work on it",
                            Set.of("broken"),
                            run -> {
                                StageSnapshot stage = hashingStage(run);
                                int peak = RunQueries.peakConcurrency(run, stage);
                                return Verdict.of(
                                        stage.numTasks() == 1 && peak == 1,
                                        "stage %d: %d task(s), peak %d running at once, %d ms of task time in %d ms",
                                        stage.stageId(),
                                        stage.numTasks(),
                                        peak,
                                        stage.executorRunTimeMs(),
                                        stage.durationMs());
                            }),
                    Evidence.of(
                            "all-cores",
                            "The hashing runs in parallel: one task per input partition, at least two of them at once",
                            Set.of("fixed", "single-file"),
                            run -> {
                                StageSnapshot stage = hashingStage(run);
                                int peak = RunQueries.peakConcurrency(run, stage);
                                long partitions = RunQueries.knob(run, "inputPartitions");
                                return Verdict.of(
                                        stage.numTasks() == partitions && peak >= 2,
                                        "stage %d: %d tasks for %d input partitions, peak %d running at once",
                                        stage.stageId(),
                                        stage.numTasks(),
                                        partitions,
                                        peak);
                            }),
                    Evidence.of(
                            "one-writer",
                            "Only the cheap write is single-threaded: a shuffle separates the parallel hashing from one writing task",
                            Set.of("single-file"),
                            run -> {
                                StageSnapshot last = RunQueries.lastStage(run).orElseThrow();
                                long exchanges = RunQueries.exchanges(run);
                                return Verdict.of(
                                        exchanges == 1 && last.numTasks() == 1 && RunQueries.stagesRun(run) == 2,
                                        "shuffle Exchanges: %d; stages: %d; the last stage ran %d task(s)",
                                        exchanges,
                                        RunQueries.stagesRun(run),
                                        last.numTasks());
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** The stage that kept the executors busiest: the one that computed the digests. */
    static StageSnapshot hashingStage(RunSnapshot run) {
        return RunQueries.busiestStage(run).orElseThrow(() -> new IllegalStateException("no stage completed"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        Column digest = col("id").cast("string");
        for (int i = 0; i < k.intValue("rounds"); i++) {
            digest = sha2(digest, 256);
        }
        Dataset<Row> hashed = run.spark()
                .range(0, k.integer("rows"), 1, k.intValue("inputPartitions"))
                .select(col("id"), digest.as("digest"));
        Dataset<Row> query =
                switch (run.variant()) {
                    case "broken" -> hashed.coalesce(1);
                    case "single-file" -> hashed.repartition(1);
                    default -> hashed;
                };
        run.execute(query);
        return k.integer("rows") + " rows hashed " + k.integer("rounds") + " times";
    }
}
