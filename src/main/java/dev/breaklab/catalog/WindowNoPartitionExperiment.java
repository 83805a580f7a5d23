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
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.springframework.stereotype.Component;

/** A window with no partitionBy: Spark moves every row into one partition and one task. */
@Component
class WindowNoPartitionExperiment extends ExperimentBase {

    private static final String EVENTS = """
            CREATE TEMP VIEW events AS
            SELECT pmod(id, ${users}) AS user, id AS ts, pmod(hash(id), 100000) AS amount
            FROM range(0, ${rows}, 1, 8);
            """;

    WindowNoPartitionExperiment() {
        super(define("window-no-partition", WindowNoPartitionExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.SHUFFLE, Concept.SPARK_UI)
                .sql(EVENTS + "SELECT *, row_number() OVER (ORDER BY ts) AS seq FROM events")
                .sql("fixed", EVENTS + "SELECT *, row_number() OVER (PARTITION BY user ORDER BY ts) AS seq FROM events")
                .knob(Knobs.rows(400_000, 50_000_000))
                .knob(IntegerKnob.of("users", 1_000, 1, 1_000_000, "users"))
                .knob(Knobs.shufflePartitions(8, 200, "window partitions are spread over this many tasks"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .question(Questions.tasks("window-tasks", "window (after the shuffle)", RunQueries::shuffleReadStage))
                .question(Question.choice("partitioning", RunQueries.PARTITIONINGS, RunQueries::exchangePartitioning))
                .evidence(Evidence.central("single-partition", Set.of("broken"), run -> {
                    StageSnapshot stage = RunQueries.shuffleReadStage(run);
                    String partitioning = RunQueries.exchangePartitioning(run);
                    return Verdict.of(
                            partitioning.equals("SinglePartition") && stage.numTasks() == 1,
                            "Exchange: %s; window stage %d: %d task(s) reading %s (%s rows)",
                            partitioning,
                            stage.stageId(),
                            stage.numTasks(),
                            Figures.bytes(stage.shuffleReadBytes()),
                            Figures.count(stage.shuffleReadRecords()));
                }))
                .evidence(Evidence.readSkew("spread-over-tasks", Set.of("fixed"), read -> read < 2)
                        .and(run -> {
                            int tasks = RunQueries.shuffleReadStage(run).numTasks();
                            return Verdict.of(
                                    tasks == RunQueries.knob(run, "shufflePartitions") && tasks > 1,
                                    "Exchange: %s",
                                    RunQueries.exchangePartitioning(run));
                        }))
                .primaryFinding("single-partition"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> events = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .select(
                        pmod(col("id"), lit(k.integer("users"))).as("user"),
                        col("id").as("ts"),
                        pmod(hash(col("id")), lit(100_000)).as("amount"));
        WindowSpec order = run.variant().equals("fixed")
                ? Window.partitionBy("user").orderBy("ts") // one window partition per user
                : Window.orderBy("ts"); // no PARTITION BY: one window partition for the whole table
        run.execute(events.withColumn("seq", row_number().over(order)));
        // lesson:end
        return k.integer("rows") + " events numbered";
    }
}
