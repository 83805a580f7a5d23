package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sha2;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.TaskSpan;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * Fewer partitions than executors: the stage's only task runs on one executor while the others,
 * paid for, wait. Measured per executor from the run's own tasks. The lab's cluster has a fixed
 * number of executors (dynamic allocation is an application setting, off here), so releasing and
 * acquiring executors is explained, not shown.
 */
@Component
class IdleExecutorsExperiment extends ExperimentBase {

    static final String ID = "idle-executors";

    /** The share of the stage's executor-time (wall time x executors) without a task, from which it counts as idle. */
    private static final double IDLE = 0.4;

    IdleExecutorsExperiment() {
        super(define(ID, IdleExecutorsExperiment.class)
                .title("Idle executors: one partition, two executors")
                .summary("The heavy stage has a single partition: one executor does all the work while the other"
                        + " sits idle for the whole stage. Split the input and both work.")
                .concepts(Concept.PARTITIONS, Concept.STAGES, Concept.SPARK_UI)
                .requires(Requires.CLUSTER)
                .sql("""
                    SELECT count(1) AS n, max(sha2(sha2(CAST(id AS STRING), 256), 512)) AS top
                    FROM range(0, ${rows}, 1, ${partitions})""")
                .knob(Knobs.rows(2_500_000, 20_000_000))
                .knob(IntegerKnob.of(
                        "partitions",
                        "Input partitions",
                        4,
                        1,
                        64,
                        "partitions",
                        "Partitions of the input, and so tasks of the heavy stage"))
                .variant(Variants.aqeOff("broken", "One partition", "The input arrives as one partition")
                        .withKnob("partitions", 1))
                .variant(Variants.aqeOff(
                        "fixed", "Four partitions", "The same input split in four: two tasks per executor"))
                .question(Questions.yesNo(
                        "one-executor",
                        "Will one executor do all of the heavy stage's work?",
                        run -> busyPerExecutor(run).size() == 1))
                .question(Question.number(
                        "heavy-tasks", "How many tasks will the heavy stage run?", run -> heavyStage(run)
                                .numTasks()))
                .evidence(Evidence.central(
                        "executor-idle",
                        "One executor ran the heavy stage alone while the others sat idle: at least 40% of the"
                                + " stage's executor-time had no task",
                        Set.of("broken"),
                        run -> {
                            double idle = idleShare(run);
                            return Verdict.of(
                                    busyPerExecutor(run).size() < run.measurement("executors") && idle >= IDLE,
                                    "%s; %s of %d executors' time idle",
                                    describe(run),
                                    Figures.percent(idle),
                                    run.measurement("executors"));
                        }))
                .evidence(Evidence.of(
                        "all-executors-work",
                        "Every executor ran tasks of the heavy stage, and under 40% of its executor-time was idle",
                        Set.of("fixed"),
                        run -> {
                            double idle = idleShare(run);
                            return Verdict.of(
                                    busyPerExecutor(run).size() == run.measurement("executors") && idle < IDLE,
                                    "%s; %s of %d executors' time idle",
                                    describe(run),
                                    Figures.percent(idle),
                                    run.measurement("executors"));
                        }))
                .primaryFinding("low-parallelism"));
    }

    /** The stage that kept the executors busiest: the hashing. */
    private static StageSnapshot heavyStage(RunSnapshot run) {
        return RunQueries.busiestStage(run).orElseThrow(() -> new IllegalStateException("no completed stage"));
    }

    /** Task time (launch to finish) of the heavy stage on each executor that ran one of its tasks. */
    private static Map<String, Long> busyPerExecutor(RunSnapshot run) {
        int stage = heavyStage(run).stageId();
        return run.timeline().stream()
                .filter(t -> t.stageId() == stage && t.finishTime() > 0)
                .collect(Collectors.groupingBy(
                        TaskSpan::executorId,
                        TreeMap::new,
                        Collectors.summingLong(t -> t.finishTime() - t.launchTime())));
    }

    /** The share of the heavy stage's wall time x executors with no task running. */
    private static double idleShare(RunSnapshot run) {
        StageSnapshot stage = heavyStage(run);
        long busy = busyPerExecutor(run).values().stream()
                .mapToLong(Long::longValue)
                .sum();
        double available = (double) stage.durationMs() * Math.max(1, run.measurement("executors"));
        return available <= 0 ? 0 : Math.max(0, Math.min(1, 1 - busy / available));
    }

    private static String describe(RunSnapshot run) {
        StageSnapshot stage = heavyStage(run);
        return "stage %d: %d task(s) in %s; busy %s"
                .formatted(
                        stage.stageId(),
                        stage.numTasks(),
                        Figures.millis(stage.durationMs()),
                        busyPerExecutor(run).entrySet().stream()
                                .map(e -> "executor %s %s".formatted(e.getKey(), Figures.millis(e.getValue())))
                                .collect(Collectors.joining(", ")));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // One slice stands for an input Spark cannot split (one gzip file, a JDBC read without partitionColumn).
        Dataset<Long> input = run.spark().range(0, k.integer("rows"), 1, k.intValue("partitions"));
        Dataset<Row> hashed =
                input.select(sha2(sha2(col("id").cast("string"), 256), 512).as("hash")); // the heavy per-row work
        Row result = run.collect(hashed.agg(count(lit(1)).as("n"), max("hash").as("top")))
                .get(0);
        // lesson:end
        // The executors the application has now (the status tracker lists the driver too).
        run.measure("executors", run.spark().sparkContext().statusTracker().getExecutorInfos().length - 1);
        return result.getLong(0) + " rows hashed in " + k.integer("partitions") + " partition(s)";
    }
}
