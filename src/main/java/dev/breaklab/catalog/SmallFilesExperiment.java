package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A writer that left hundreds of tiny Parquet files, and the reads that pay for every one of them. */
@Component
class SmallFilesExperiment extends ExperimentBase {

    private static final String SCAN = "Scan parquet";

    SmallFilesExperiment() {
        super(define("small-files", SmallFilesExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.STAGES, Concept.SPARK_UI)
                .sql("""
                    DROP TABLE IF EXISTS events;
                    CREATE TABLE events USING parquet OPTIONS (maxRecordsPerFile ${recordsPerFile}) AS
                      SELECT id, pmod(id, 97) AS key, pmod(id * 7, 1000) AS amount FROM range(0, ${rows}, 1, 4);
                    SELECT key, count(1) AS events, sum(amount) AS amount FROM events GROUP BY key;
                    DROP TABLE events""")
                .knob(Knobs.rows(60_000, 10_000_000))
                .knob(IntegerKnob.of("recordsPerFile", 400, 0, 10_000_000, "rows"))
                .knob(IntegerKnob.of("maxPartitionBytes", 134_217_728, 1_024, 1_073_741_824, "bytes")
                        .conf("spark.sql.files.maxPartitionBytes"))
                .knob(IntegerKnob.of("openCostInBytes", 4_194_304, 0, 134_217_728, "bytes")
                        .conf("spark.sql.files.openCostInBytes"))
                .knob(Knobs.shufflePartitions(4, 200, "tasks of the aggregation after the scan"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed").withKnob("recordsPerFile", 0L))
                .variant(Variants.aqeOff("split-small").withKnob("maxPartitionBytes", 1_048_576L))
                .question(
                        Question.number("files-read", run -> RunQueries.finalMetric(run, SCAN, "number of files read")))
                .question(Question.number(
                        "scan-tasks",
                        run -> RunQueries.scanStage(run).orElseThrow().numTasks()))
                .evidence(Evidence.central("tiny-files", Set.of("broken", "split-small"), run -> {
                    long files = RunQueries.finalMetric(run, SCAN, "number of files read");
                    long bytes = RunQueries.finalMetric(run, SCAN, "size of files read");
                    long average = files == 0 ? 0 : bytes / files;
                    return Verdict.of(
                            files >= 100 && average < 16 * 1024,
                            "files read: %d, %s in total, %s per file on average (the write left %d files)",
                            files,
                            Figures.bytes(bytes),
                            Figures.bytes(average),
                            RunQueries.finalMetric(
                                    run, "Execute InsertIntoHadoopFsRelationCommand", "number of written files"));
                }))
                .evidence(Evidence.of("packed", Set.of("broken"), run -> {
                    long files = RunQueries.finalMetric(run, SCAN, "number of files read");
                    int tasks = RunQueries.scanStage(run).orElseThrow().numTasks();
                    return Verdict.of(
                            files >= 5L * tasks,
                            "%d files over %d scan tasks: %.1f files per task",
                            files,
                            tasks,
                            (double) files / tasks);
                }))
                .evidence(Evidence.of("task-per-file", Set.of("split-small"), run -> {
                    long files = RunQueries.finalMetric(run, SCAN, "number of files read");
                    StageSnapshot scan = RunQueries.scanStage(run).orElseThrow();
                    return Verdict.of(
                            scan.numTasks() >= files && files > 0,
                            "%d files, %d scan tasks, median task %d ms",
                            files,
                            scan.numTasks(),
                            scan.taskDurationMs().p50());
                }))
                .evidence(Evidence.of("compacted", Set.of("fixed"), run -> {
                    long files = RunQueries.finalMetric(run, SCAN, "number of files read");
                    long bytes = RunQueries.finalMetric(run, SCAN, "size of files read");
                    return Verdict.of(
                            files == 4,
                            "files read: %d, %s per file on average, scan tasks: %d",
                            files,
                            Figures.bytes(files == 0 ? 0 : bytes / files),
                            RunQueries.scanStage(run).orElseThrow().numTasks());
                }))
                .primaryFinding("small-files"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        String dir = run.workDir().resolve("events").toString();
        run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(
                        col("id"),
                        pmod(col("id"), lit(97)).as("key"),
                        pmod(col("id").multiply(7), lit(1000)).as("amount"))
                .write()
                .mode("overwrite")
                .option("maxRecordsPerFile", k.integer("recordsPerFile"))
                .parquet(dir);
        Dataset<Row> query = run.spark()
                .read()
                .parquet(dir)
                .groupBy("key")
                .agg(count(lit(1)).as("events"), sum("amount").as("amount"));
        run.execute(query);
        // lesson:end
        return k.integer("rows") + " rows written and read back";
    }
}
