package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.springframework.stereotype.Component;

/** Window and join buffers that outgrow what a task may hold: Spark spills them to disk and reads them back. */
@Component
class SpillExperiment implements Experiment {

    static final String ID = "spill";
    private static final int SOURCE_PARTITIONS = 4;
    private static final int JOIN_PROBE_ROWS = 500;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Spill: buffers that do not fit go to disk",
            "A window over big groups buffers each group; when the buffer outgrows its limit, Spark spills it to disk.",
            List.of(Concept.MEMORY, Concept.SHUFFLE, Concept.SPARK_UI),
            """
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
            the whole group.""",
            new Code("""
                    // spark.sql.adaptive.enabled=false, spark.sql.shuffle.partitions=4
                    // broken: spark.sql.windowExec.buffer.in.memory.threshold=1024
                    //         spark.sql.windowExec.buffer.spill.threshold=4096
                    // fixed:  4096 and 2147483647 (Spark's defaults)
                    Dataset<Row> events = spark.range(0, rows, 1, 4)
                        .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("value"));
                    events.withColumn("groupTotal", sum("value").over(Window.partitionBy("key")))
                        .write().format("noop").mode("overwrite").save();

                    // join-spill: spark.sql.autoBroadcastJoinThreshold=-1,
                    // spark.sql.sortMergeJoinExec.buffer.in.memory.threshold=256, ...spill.threshold=1024
                    Dataset<Row> probe = spark.range(0, 500, 1, 4)
                        .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("a"));
                    Dataset<Row> buffered = spark.range(0, rows / 10, 1, 4)
                        .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("b"));
                    probe.join(buffered, "key").agg(count(lit(1)), sum("b"))
                        .write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.shuffle.partitions = 4;
                    SET spark.sql.windowExec.buffer.in.memory.threshold = 1024;   -- broken
                    SET spark.sql.windowExec.buffer.spill.threshold = 4096;       -- broken

                    SELECT key, value, sum(value) OVER (PARTITION BY key) AS groupTotal
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS value FROM range(0, ${rows}, 1, 4));

                    -- join-spill
                    SET spark.sql.autoBroadcastJoinThreshold = -1;
                    SET spark.sql.sortMergeJoinExec.buffer.in.memory.threshold = 256;
                    SET spark.sql.sortMergeJoinExec.buffer.spill.threshold = 1024;
                    SELECT count(*), sum(b)
                    FROM (SELECT pmod(id, ${groups}) AS key, id AS a FROM range(0, 500, 1, 4)) probe
                    JOIN (SELECT pmod(id, ${groups}) AS key, id AS b FROM range(0, ${rows} / 10, 1, 4)) buffered
                    USING (key);"""),
            List.of(
                    IntegerKnob.of("rows", "Rows", 200_000, 1_000, 20_000_000, "rows", "Rows in the window input"),
                    IntegerKnob.of(
                            "groups",
                            "Groups",
                            10,
                            1,
                            100_000,
                            "keys",
                            "Distinct keys: rows per group = rows / groups"),
                    IntegerKnob.of(
                                    "inMemoryThreshold",
                                    "Window in-memory rows",
                                    1_024,
                                    1,
                                    Integer.MAX_VALUE,
                                    "rows",
                                    "spark.sql.windowExec.buffer.in.memory.threshold: rows kept in a plain array")
                            .conf("spark.sql.windowExec.buffer.in.memory.threshold"),
                    IntegerKnob.of(
                                    "spillThreshold",
                                    "Window spill threshold",
                                    4_096,
                                    1,
                                    Integer.MAX_VALUE,
                                    "rows",
                                    "spark.sql.windowExec.buffer.spill.threshold: rows buffered before a spill")
                            .conf("spark.sql.windowExec.buffer.spill.threshold")),
            List.of(
                    Variant.of("broken", "Window buffer too small", "The window's buffer spills every 4,096 rows")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "4"),
                    Variant.of("fixed", "Default buffers", "Spark's default window buffer thresholds: nothing spills")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "4")
                            .withKnob("inMemoryThreshold", 4_096L)
                            .withKnob("spillThreshold", (long) Integer.MAX_VALUE),
                    Variant.of(
                                    "join-spill",
                                    "Join buffer too small",
                                    "A sort-merge join whose buffered side spills every 1,024 rows of a key")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "4")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.sortMergeJoinExec.buffer.in.memory.threshold", "256")
                            .withConf("spark.sql.sortMergeJoinExec.buffer.spill.threshold", "1024")),
            List.of(
                    Question.choice(
                            "spills",
                            "Will the run spill to disk?",
                            List.of("yes", "no"),
                            run -> spilledStage(run).diskSpilledBytes() > 0 ? "yes" : "no"),
                    Question.choice(
                            "spilling-operator",
                            "Which operator will report a spill size above zero?",
                            List.of("Window", "SortMergeJoin", "Sort", "none"),
                            SpillExperiment::spillingOperator)),
            List.of(
                    Evidence.central(
                            "spilled",
                            "A stage spilled: its tasks wrote buffered rows to disk and reported memory and disk spill",
                            Set.of("broken", "join-spill"),
                            run -> {
                                StageSnapshot stage = spilledStage(run);
                                return Verdict.of(
                                        stage.memorySpilledBytes() > 0 && stage.diskSpilledBytes() > 0,
                                        "stage %d: memory spill %s, disk spill %s, %d tasks",
                                        stage.stageId(),
                                        Figures.bytes(stage.memorySpilledBytes()),
                                        Figures.bytes(stage.diskSpilledBytes()),
                                        stage.numTasks());
                            }),
                    Evidence.of(
                            "window-spill-metric",
                            "The Window operator itself reports the spill: its \"spill size\" SQL metric is above zero",
                            Set.of("broken"),
                            run -> {
                                long size = RunQueries.finalMetric(run, "Window", "spill size");
                                return Verdict.of(size > 0, "Window spill size: %s", Figures.bytes(size));
                            }),
                    Evidence.of(
                            "join-spill-metric",
                            "The SortMergeJoin reports the spill: its \"spill size\" SQL metric is above zero",
                            Set.of("join-spill"),
                            run -> {
                                long size = RunQueries.finalMetric(run, "SortMergeJoin", "spill size");
                                return Verdict.of(size > 0, "SortMergeJoin spill size: %s", Figures.bytes(size));
                            }),
                    Evidence.of(
                            "no-spill",
                            "With buffers sized for the groups nothing spills: no stage reports memory or disk spill",
                            Set.of("fixed"),
                            run -> {
                                long memory = run.completedStages().stream()
                                        .mapToLong(StageSnapshot::memorySpilledBytes)
                                        .sum();
                                long disk = run.completedStages().stream()
                                        .mapToLong(StageSnapshot::diskSpilledBytes)
                                        .sum();
                                return Verdict.of(
                                        memory == 0 && disk == 0,
                                        "memory spill %s, disk spill %s over %d stages",
                                        Figures.bytes(memory),
                                        Figures.bytes(disk),
                                        run.completedStages().size());
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** The completed stage that spilled the most to disk (the window or join stage). */
    static StageSnapshot spilledStage(RunSnapshot run) {
        return run.completedStages().stream()
                .max(Comparator.comparingLong(StageSnapshot::diskSpilledBytes)
                        .thenComparingLong(StageSnapshot::shuffleReadBytes))
                .orElseThrow(() -> new IllegalStateException("no stage completed"));
    }

    static String spillingOperator(RunSnapshot run) {
        for (String operator : List.of("Window", "SortMergeJoin", "Sort")) {
            if (RunQueries.finalMetric(run, operator, "spill size") > 0) {
                return operator;
            }
        }
        return "none";
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long rows = k.integer("rows");
        long groups = k.integer("groups");
        if ("join-spill".equals(run.variant())) {
            Dataset<Row> probe = spark.range(0, JOIN_PROBE_ROWS, 1, SOURCE_PARTITIONS)
                    .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("a"));
            Dataset<Row> buffered = spark.range(0, Math.max(1, rows / 10), 1, SOURCE_PARTITIONS)
                    .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("b"));
            Row result = run.collect(probe.join(buffered, "key").agg(count(lit(1)), sum("b")))
                    .get(0);
            return result.getLong(0) + " joined rows";
        }
        Dataset<Row> events = spark.range(0, rows, 1, SOURCE_PARTITIONS)
                .select(pmod(col("id"), lit(groups)).as("key"), col("id").as("value"));
        run.execute(events.withColumn("groupTotal", sum("value").over(Window.partitionBy("key"))));
        return rows + " rows in " + groups + " window groups";
    }
}
