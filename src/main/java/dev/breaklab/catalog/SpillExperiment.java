package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

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
import org.springframework.stereotype.Component;

/** Window and join buffers that outgrow what a task may hold: Spark spills them to disk and reads them back. */
@Component
class SpillExperiment implements Experiment {

    static final String ID = "spill";

    private static final ExperimentDefinition DEFINITION = ExperimentDefinition.define(ID, SpillExperiment.class)
            .title("Spill: buffers that do not fit go to disk")
            .summary(
                    "A window over big groups buffers each group; when the buffer outgrows its limit, Spark spills it to disk.")
            .concepts(Concept.MEMORY, Concept.SHUFFLE, Concept.SPARK_UI)
            .story("""
                    Some operators must hold many rows at once: a sort holds its whole partition, a window holds \
                    the current window partition (here: every row of a key, because the frame is the whole group), \
                    a sort-merge join holds every buffered-side row of the current key. When what they hold \
                    outgrows the memory a task may use, Spark does not fail: it writes the buffer to local disk \
                    ("spills"), keeps going, and reads it back later. Spill is correct and slow: the rows are \
                    serialized, written, read and merged, often several times, and a spill storm can turn a \
                    minutes-long stage into an hour-long one, or fill the disks.

                    This experiment forces the situation on a small machine. The window operator keeps up to \
                    spark.sql.windowExec.buffer.in.memory.threshold rows in a plain array, then moves to a \
                    spillable buffer that spills every spark.sql.windowExec.buffer.spill.threshold rows. The \
                    broken variant sets both low, as a stand-in for an executor whose memory is too small for its \
                    groups; join-spill does the same to a sort-merge join with spark.sql.sortMergeJoinExec.buffer.*. \
                    The fixed variant gives the buffers Spark's defaults.

                    In the lab, look at the stage's memory and disk spill (memory spill is the size of the data \
                    in memory when it was spilled, disk spill its serialized size on disk) and at the "spill size" \
                    metric of the Window or SortMergeJoin node. In the Spark UI, the stage page gets "Spill \
                    (Memory)" and "Spill (Disk)" columns only when something spilled: their appearance is the \
                    alarm. Real fixes: more memory per task (fewer cores per executor, more executor memory), \
                    smaller groups (more specific keys, more partitions for sorts), or a frame that does not need \
                    the whole group.""")
            .sql("""
                    SELECT key, value, sum(value) OVER (PARTITION BY key) AS groupTotal
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS value FROM range(0, ${rows}, 1, 4))""")
            .sql("join-spill", """
                    SELECT count(1), sum(b)
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS a FROM range(0, 500, 1, 4)) probe
                    JOIN (SELECT pmod(id, ${groups}) AS key, id AS b FROM range(0, ${rows} div 10, 1, 4)) buffered
                    USING (key)""")
            .knob(Knobs.rows(200_000, 20_000_000))
            .knob(IntegerKnob.of(
                    "groups", "Groups", 10, 1, 100_000, "keys", "Distinct keys: rows per group = rows / groups"))
            .knob(IntegerKnob.of(
                            "inMemoryThreshold",
                            "Window in-memory rows",
                            1_024,
                            1,
                            Integer.MAX_VALUE,
                            "rows",
                            "spark.sql.windowExec.buffer.in.memory.threshold: rows kept in a plain array")
                    .conf("spark.sql.windowExec.buffer.in.memory.threshold"))
            .knob(IntegerKnob.of(
                            "spillThreshold",
                            "Window spill threshold",
                            4_096,
                            1,
                            Integer.MAX_VALUE,
                            "rows",
                            "spark.sql.windowExec.buffer.spill.threshold: rows buffered before a spill")
                    .conf("spark.sql.windowExec.buffer.spill.threshold"))
            .variant(Variant.of("broken", "Window buffer too small", "The window's buffer spills every 4,096 rows")
                    .withConf("spark.sql.adaptive.enabled", "false")
                    .withConf("spark.sql.shuffle.partitions", "4"))
            .variant(Variant.of("fixed", "Default buffers", "Spark's default window buffer thresholds: nothing spills")
                    .withConf("spark.sql.adaptive.enabled", "false")
                    .withConf("spark.sql.shuffle.partitions", "4")
                    .withKnob("inMemoryThreshold", 4_096L)
                    .withKnob("spillThreshold", (long) Integer.MAX_VALUE))
            .variant(Variant.of(
                            "join-spill",
                            "Join buffer too small",
                            "A sort-merge join whose buffered side spills every 1,024 rows of a key")
                    .withConf("spark.sql.adaptive.enabled", "false")
                    .withConf("spark.sql.shuffle.partitions", "4")
                    .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                    .withConf("spark.sql.sortMergeJoinExec.buffer.in.memory.threshold", "256")
                    .withConf("spark.sql.sortMergeJoinExec.buffer.spill.threshold", "1024"))
            .question(Questions.yesNo("spills", "Will the run spill to disk?", run -> RunQueries.diskSpilled(run) > 0))
            .question(Question.choice(
                    "spilling-operator",
                    "Which operator will report a spill size above zero?",
                    List.of("Window", "SortMergeJoin", "Sort", "none"),
                    run -> Stream.of("Window", "SortMergeJoin", "Sort")
                            .filter(operator -> RunQueries.finalMetric(run, operator, "spill size") > 0)
                            .findFirst()
                            .orElse("none")))
            .evidence(Evidence.central(
                    "spilled",
                    "A stage spilled: its tasks wrote buffered rows to disk and reported memory and disk spill",
                    Set.of("broken", "join-spill"),
                    run -> {
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
            .evidence(Evidence.of(
                    "window-spill-metric",
                    "The Window operator itself reports the spill: its \"spill size\" SQL metric is above zero",
                    Set.of("broken"),
                    run -> {
                        long size = RunQueries.finalMetric(run, "Window", "spill size");
                        return Verdict.of(size > 0, "Window spill size: %s", Figures.bytes(size));
                    }))
            .evidence(Evidence.of(
                    "join-spill-metric",
                    "The SortMergeJoin reports the spill: its \"spill size\" SQL metric is above zero",
                    Set.of("join-spill"),
                    run -> {
                        long size = RunQueries.finalMetric(run, "SortMergeJoin", "spill size");
                        return Verdict.of(size > 0, "SortMergeJoin spill size: %s", Figures.bytes(size));
                    }))
            .evidence(Evidence.of(
                    "no-spill",
                    "With buffers sized for the groups nothing spills: no stage reports memory or disk spill",
                    Set.of("fixed"),
                    run -> Verdict.of(
                            RunQueries.memorySpilled(run) == 0 && RunQueries.diskSpilled(run) == 0,
                            "memory spill %s, disk spill %s over %d stages",
                            Figures.bytes(RunQueries.memorySpilled(run)),
                            Figures.bytes(RunQueries.diskSpilled(run)),
                            run.completedStages().size())))
            .primaryFinding("spill")
            .build();

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
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
            run.execute(events.withColumn("groupTotal", sum("value").over(Window.partitionBy("key"))));
        }
        // lesson:end
        return k.integer("rows") + " rows in " + groups + " groups";
    }
}
