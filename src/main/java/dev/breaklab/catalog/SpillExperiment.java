package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.springframework.stereotype.Component;

/** Window and join buffers that outgrow what a task may hold: Spark spills them to disk and reads them back. */
@Component
class SpillExperiment extends ExperimentBase {

    SpillExperiment() {
        super(define("spill", SpillExperiment.class)
                .concepts(Concept.MEMORY, Concept.SHUFFLE, Concept.SPARK_UI)
                .sql("""
                    SELECT key, value, sum(value) OVER (PARTITION BY key) AS groupTotal
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS value FROM range(0, ${rows}, 1, 4))""")
                .sql("running-frame", """
                    SELECT key, value,
                           sum(value) OVER (PARTITION BY key ORDER BY value
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS runningTotal
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS value FROM range(0, ${rows}, 1, 4))""")
                .sql("join-spill", """
                    SELECT count(1), sum(b)
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS a FROM range(0, 500, 1, 4)) probe
                    JOIN (SELECT pmod(id, ${groups}) AS key, id AS b FROM range(0, ${rows} div 10, 1, 4)) buffered
                    USING (key)""")
                .knob(Knobs.rows(200_000, 20_000_000))
                .knob(IntegerKnob.of("groups", 10, 1, 100_000, "keys"))
                .knob(IntegerKnob.of("inMemoryThreshold", 1_024, 1, Integer.MAX_VALUE, "rows")
                        .conf("spark.sql.windowExec.buffer.in.memory.threshold"))
                .knob(IntegerKnob.of("spillThreshold", 4_096, 1, Integer.MAX_VALUE, "rows")
                        .conf("spark.sql.windowExec.buffer.spill.threshold"))
                .knob(Knobs.shufflePartitions(4, 2_000, "tasks of the window's or join's stage"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed")
                        .withKnob("inMemoryThreshold", 4_096L)
                        .withKnob("spillThreshold", (long) Integer.MAX_VALUE))
                .variant(Variants.aqeOff("running-frame"))
                .variant(Variants.aqeOff("join-spill")
                        .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                        .withConf("spark.sql.sortMergeJoinExec.buffer.in.memory.threshold", "256")
                        .withConf("spark.sql.sortMergeJoinExec.buffer.spill.threshold", "1024"))
                .question(Questions.yesNo("spills", run -> RunQueries.diskSpilled(run) > 0))
                .question(Question.choice(
                        "spilling-operator", List.of("Window", "SortMergeJoin", "Sort", "none"), run -> Stream.of(
                                        "Window", "SortMergeJoin", "Sort")
                                .filter(operator -> RunQueries.finalMetric(run, operator, "spill size") > 0)
                                .findFirst()
                                .orElse("none")))
                .evidence(Evidence.central("spilled", Set.of("broken", "running-frame", "join-spill"), run -> {
                    StageSnapshot stage = run.completedStages().stream()
                            .max(Comparator.comparingLong(StageSnapshot::diskSpilledBytes)
                                    .thenComparingLong(StageSnapshot::shuffleReadBytes))
                            .orElseThrow();
                    return Verdict.of(
                            stage.memorySpilledBytes() > 0 && stage.diskSpilledBytes() > 0,
                            "stage %d: memory spill %s, disk spill %s, %d tasks",
                            stage.stageId(),
                            Figures.bytes(stage.memorySpilledBytes()),
                            Figures.bytes(stage.diskSpilledBytes()),
                            stage.numTasks());
                }))
                .evidence(Evidence.finalMetricAboveZero(
                        "window-spill-metric", Set.of("broken", "running-frame"), "Window", "spill size"))
                .evidence(Evidence.finalMetricAboveZero(
                        "join-spill-metric", Set.of("join-spill"), "SortMergeJoin", "spill size"))
                .evidence(Evidence.of(
                        "no-spill",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                RunQueries.memorySpilled(run) == 0 && RunQueries.diskSpilled(run) == 0,
                                "memory spill %s, disk spill %s over %d stages",
                                Figures.bytes(RunQueries.memorySpilled(run)),
                                Figures.bytes(RunQueries.diskSpilled(run)),
                                run.completedStages().size())))
                .primaryFinding("spill"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long groups = k.integer("groups");
        if (run.variant().equals("join-spill")) {
            Dataset<Row> probe = run.spark()
                    .range(0, 500, 1, 4)
                    .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("a"));
            Dataset<Row> buffered = run.spark()
                    .range(0, k.integer("rows") / 10, 1, 4)
                    .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("b"));
            run.collect(probe.join(buffered, "key").agg(count(lit(1)), sum("b")));
        } else {
            Dataset<Row> events = run.spark()
                    .range(0, k.integer("rows"), 1, 4)
                    .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("value"));
            // The frame does not change what is buffered: the window holds every row of the key either way.
            WindowSpec window = run.variant().equals("running-frame")
                    ? Window.partitionBy("key")
                            .orderBy("value")
                            .rowsBetween(Window.unboundedPreceding(), Window.currentRow())
                    : Window.partitionBy("key");
            run.execute(events.withColumn("groupTotal", sum("value").over(window)));
        }
        // lesson:end
        return k.integer("rows") + " rows in " + groups + " groups";
    }
}
