package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sha2;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.ExecutorSnapshot;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.TaskSpan;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * Fewer partitions than executors: the stage's only task runs on one executor while the others,
 * paid for, wait. Measured per executor from the run's own tasks. The dynamic variant shows Spark's
 * answer, dynamic allocation, releasing the idle executor during a one-partition stage and acquiring
 * one again when a wide stage's tasks queue; it needs a lab started with
 * {@code lab.engine.cluster.dynamic-allocation=true}, a setting Spark fixes when its application starts.
 */
@Component
class IdleExecutorsExperiment extends ExperimentBase {

    static final String ID = "idle-executors";
    static final String DYNAMIC_ALLOCATION = "spark.dynamicAllocation.enabled";
    /** Spark's reason for an executor the driver killed (its ExecutorKilled), as dynamic allocation does. */
    static final String KILLED_BY_DRIVER = "Executor killed by driver.";
    /** Stand-in work of each task of the dynamic variant's wide stages. */

    /** The share of the stage's executor-time (wall time x executors) without a task, from which it counts as idle. */
    private static final double IDLE = 0.4;

    IdleExecutorsExperiment() {
        super(define(ID, IdleExecutorsExperiment.class)
                .concepts(Concept.PARTITIONS, Concept.STAGES, Concept.SPARK_UI)
                .requires(Requires.CLUSTER)
                .sql("""
                    SELECT count(1) AS n, max(sha2(sha2(CAST(id AS STRING), 256), 512)) AS top
                    FROM range(0, ${rows}, 1, ${partitions})""")
                .knob(Knobs.rows(2_500_000, 20_000_000))
                .knob(IntegerKnob.of("partitions", 4, 1, 64, "partitions"))
                .variant(Variants.aqeOff("broken").withKnob("partitions", 1))
                .variant(Variants.aqeOff("fixed"))
                .variant(Variants.aqeOff("dynamic").withKnob("partitions", 6))
                .question(Questions.yesNo(
                        "one-executor", run -> busyPerExecutor(run).size() == 1))
                .question(Question.number("heavy-tasks", run -> heavyStage(run).numTasks()))
                .evidence(Evidence.central("executor-idle", Set.of("broken"), run -> {
                    double idle = idleShare(run);
                    return Verdict.of(
                            fixedExecutors(run)
                                    && busyPerExecutor(run).size() < run.measurement("executors")
                                    && idle >= IDLE,
                            "%s; %s of %d executors' time idle",
                            describe(run),
                            Figures.percent(idle),
                            run.measurement("executors"));
                }))
                .evidence(Evidence.of("all-executors-work", Set.of("fixed"), run -> {
                    double idle = idleShare(run);
                    return Verdict.of(
                            fixedExecutors(run)
                                    && busyPerExecutor(run).size() == run.measurement("executors")
                                    && idle < IDLE,
                            "%s; %s of %d executors' time idle",
                            describe(run),
                            Figures.percent(idle),
                            run.measurement("executors"));
                }))
                .evidence(Evidence.of(
                        "idle-executor-released",
                        Set.of("dynamic"),
                        run -> Verdict.of(
                                released(run).isPresent(),
                                "one-partition stage %s; executors removed: %s",
                                narrowStage(run)
                                        .map(s -> "%d (%s)".formatted(s.stageId(), Figures.millis(s.durationMs())))
                                        .orElse("none"),
                                removals(run))))
                .evidence(Evidence.of(
                        "executor-acquired",
                        Set.of("dynamic"),
                        run -> Verdict.of(
                                acquired(run).isPresent(),
                                "executor added while the last stage ran: %s; executors with tasks in the last stage: %s;"
                                        + " executors added: %s",
                                acquired(run).map(ExecutorSnapshot::executorId).orElse("none"),
                                lastStageExecutors(run),
                                additions(run))))
                .primaryFinding("low-parallelism"));
    }

    /** The dynamic variant's one-partition stage: its only single-task stage. */
    private static Optional<StageSnapshot> narrowStage(RunSnapshot run) {
        return run.stages().stream().filter(s -> s.numTasks() == 1).findFirst();
    }

    /**
     * An executor removed by the driver (dynamic allocation's kill) after the one-partition stage
     * started, that ran none of its tasks. Not bounded by the stage's end: the removal arrives once the
     * executor's process has exited, seconds after Spark decided it (about 5 s on the local cluster).
     */
    private static Optional<ExecutorSnapshot> released(RunSnapshot run) {
        Optional<StageSnapshot> narrow = narrowStage(run);
        if (narrow.isEmpty() || narrow.get().submittedAt() == null) {
            return Optional.empty();
        }
        StageSnapshot stage = narrow.get();
        Set<String> busy = run.timeline().stream()
                .filter(t -> t.stageId() == stage.stageId())
                .map(TaskSpan::executorId)
                .collect(Collectors.toSet());
        return run.executors().stream()
                .filter(e -> KILLED_BY_DRIVER.equals(e.removedReason()) && !busy.contains(e.executorId()))
                .filter(e -> e.removedAt().isAfter(stage.submittedAt()))
                .findFirst();
    }

    /** An executor added after the run's last stage was submitted (its tasks queued) that ran some of them. */
    private static Optional<ExecutorSnapshot> acquired(RunSnapshot run) {
        Optional<StageSnapshot> last = RunQueries.lastStage(run);
        if (released(run).isEmpty() || last.isEmpty() || last.get().submittedAt() == null) {
            return Optional.empty();
        }
        Set<String> ran = lastStageExecutors(run);
        return run.executors().stream()
                .filter(e ->
                        e.addedAt() != null && e.addedAt().isAfter(last.get().submittedAt()))
                .filter(e -> ran.contains(e.executorId()))
                .findFirst();
    }

    private static Set<String> lastStageExecutors(RunSnapshot run) {
        int last = RunQueries.lastStage(run).map(StageSnapshot::stageId).orElse(-1);
        return run.timeline().stream()
                .filter(t -> t.stageId() == last && t.finishTime() > 0)
                .map(TaskSpan::executorId)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String additions(RunSnapshot run) {
        return run.executors().stream()
                .map(e -> "executor %s at %s".formatted(e.executorId(), e.addedAt()))
                .collect(Collectors.joining(", "));
    }

    private static String removals(RunSnapshot run) {
        String removed = run.executors().stream()
                .filter(e -> e.removedAt() != null)
                .map(e -> "executor %s at %s (%s)".formatted(e.executorId(), e.removedAt(), e.removedReason()))
                .collect(Collectors.joining(", "));
        return removed.isEmpty() ? "none" : removed;
    }

    /**
     * Refuses the dynamic variant on an application without dynamic allocation: it belongs to the
     * application, so a run cannot turn it on, only a restarted lab can.
     */
    static void requireDynamicAllocation(SparkConf conf) {
        if (!conf.getBoolean(DYNAMIC_ALLOCATION, false)) {
            throw new IllegalStateException("the dynamic variant needs dynamic allocation: start the lab with"
                    + " --lab.engine.cluster.dynamic-allocation=true (" + DYNAMIC_ALLOCATION + " is fixed when"
                    + " Spark's application starts)");
        }
    }

    /**
     * Whether the run had a fixed set of executors, which the idle share is measured against: not the
     * dynamic variant's, whose executors come and go between its stages.
     */
    private static boolean fixedExecutors(RunSnapshot run) {
        return !run.variant().equals("dynamic");
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
        if (run.variant().equals("dynamic")) {
            requireDynamicAllocation(run.spark().sparkContext().getConf());
        }
        // lesson:start
        String done;
        if (run.variant().equals("dynamic")) {
            // Dynamic allocation at work (no stage shuffles: with shuffle tracking an executor holding shuffle
            // files is never released as idle while they may still be read).
            SparkContext sc = run.spark().sparkContext();
            long idleTimeoutMs = sc.getConf().getTimeAsMs("spark.dynamicAllocation.executorIdleTimeout", "60s");
            int maxExecutors = sc.getConf().getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
            int tasks = k.intValue("partitions");
            BiFunction<Integer, Long, Dataset<Long>> stage = (n, millis) -> run.spark() // n tasks of millis each
                    .range(0, n, 1, n)
                    .map(
                            (MapFunction<Long, Long>) id -> {
                                LockSupport.parkNanos(millis * 1_000_000); // stand-in work
                                return id;
                            },
                            Encoders.LONG());
            // Tasks queue for longer than schedulerBacklogTimeout: Spark asks the cluster for more executors.
            run.collect(stage.apply(tasks, 1_000L));
            long deadline = System.nanoTime() + 20_000_000_000L; // until they are all there (20 s at most)
            while (sc.statusTracker().getExecutorInfos().length - 1 < maxExecutors && System.nanoTime() < deadline) {
                LockSupport.parkNanos(100_000_000);
            }
            // One task, longer than executorIdleTimeout: every other executor idles out and is released.
            run.collect(stage.apply(1, idleTimeoutMs + 3_000));
            // Tasks queue again: an executor is acquired again, a new process on a worker.
            run.collect(stage.apply(tasks, 1_000L));
            done = "a one-partition stage of " + (idleTimeoutMs + 3_000) + " ms between two stages of " + tasks
                    + " tasks; executor idle timeout " + idleTimeoutMs + " ms";
        } else {
            // One slice stands for an input Spark cannot split (one gzip file, a JDBC read without partitionColumn).
            Dataset<Long> input = run.spark().range(0, k.integer("rows"), 1, k.intValue("partitions"));
            Dataset<Row> hashed =
                    input.select(sha2(sha2(col("id").cast("string"), 256), 512).as("hash")); // the heavy per-row work
            Row result = run.collect(
                            hashed.agg(count(lit(1)).as("n"), max("hash").as("top")))
                    .get(0);
            done = result.getLong(0) + " rows hashed in " + k.integer("partitions") + " partition(s)";
        }
        // lesson:end
        // The executors the application has now (the status tracker lists the driver too).
        run.measure("executors", run.spark().sparkContext().statusTracker().getExecutorInfos().length - 1);
        return done;
    }
}
