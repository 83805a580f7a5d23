package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.spark.JobExecutionStatus;
import org.apache.spark.SparkJobInfo;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.springframework.stereotype.Component;

/**
 * A slow build side and a short spark.sql.broadcastTimeout with AQE off: the query gives up waiting
 * for the broadcast. With AQE on (aqe-on) there is no deadline (SPARK-36414).
 */
@Component
class BroadcastTimeoutExperiment extends ExperimentBase {

    private static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
    /** Partitions of the slow dimension: the broadcast job's stage runs this many tasks. */
    // the lesson code writes it as a literal: its snippet compiles without the lab
    static final int DIM_PARTITIONS = 2;

    private static final String VIEWS = """
            -- key: the id, after reflect() has called Thread.sleep(${lookupMs}), like a call to a slow service
            CREATE TEMP VIEW dims AS
              SELECT if(reflect('java.lang.Thread', 'sleep', ${lookupMs}L) IS NULL, NULL, id) AS key,
                     concat('name-', CAST(id AS STRING)) AS name
              FROM range(0, ${dimRows}, 1, 2);
            CREATE TEMP VIEW facts AS SELECT pmod(id, ${dimRows}) AS key FROM range(0, ${rows}, 1, 4);
            """;

    BroadcastTimeoutExperiment() {
        super(define("broadcast-timeout", BroadcastTimeoutExperiment.class)
                .concepts(Concept.JOINS, Concept.FAULTS)
                .sql(VIEWS + "SELECT /*+ BROADCAST(dims) */ count(1) FROM facts JOIN dims USING (key)")
                .sql("shuffle-join", VIEWS + "SELECT /*+ MERGE(dims) */ count(1) FROM facts JOIN dims USING (key)")
                .knob(Knobs.rows(200_000, 10_000_000))
                .knob(IntegerKnob.of("dimRows", 20, 2, 1_000, "rows"))
                .knob(IntegerKnob.of("lookupMs", 400, 0, 2_000, "ms per row"))
                .knob(IntegerKnob.of("broadcastTimeout", 2, 1, 600, "s").conf("spark.sql.broadcastTimeout"))
                .variant(pinned("broken"))
                .variant(pinned("fixed").withKnob("broadcastTimeout", 120L))
                .variant(pinned("shuffle-join"))
                .variant(Variants.aqeOn("aqe-on")
                        .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                        .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                        .withConf("spark.sql.shuffle.partitions", "8"))
                .question(Questions.outcome())
                .question(Questions.joinStrategy("BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin"))
                .evidence(Evidence.failsWith("broadcast-timed-out", Set.of("broken"), "Could not execute broadcast in"))
                .evidence(Evidence.of(
                        "broadcast-job-cancelled", Set.of("broken"), BroadcastTimeoutExperiment::broadcastJobCancelled))
                .evidence(Evidence.of("no-deadline-under-aqe", Set.of("aqe-on"), run -> {
                    long collectMs = RunQueries.finalMetric(run, "BroadcastExchange", "time to collect");
                    long timeout = RunQueries.knob(run, "broadcastTimeout");
                    return Verdict.of(
                            run.status() == RunStatus.SUCCEEDED
                                    && collectMs > 1000L * timeout
                                    && RunQueries.joinStrategy(run).equals("BroadcastHashJoin"),
                            "status %s, join %s, broadcast collect %d ms vs timeout %d s",
                            run.status(),
                            RunQueries.joinStrategy(run),
                            collectMs,
                            timeout);
                }))
                .evidence(joinSucceeds("broadcast-completes", "fixed", "BroadcastHashJoin"))
                .evidence(joinSucceeds("no-deadline", "shuffle-join", "SortMergeJoin"))
                .primaryFinding("broadcast-timeout"));
    }

    /**
     * The broadcast job of the run: the failed job whose stage ran the dimension's partitions. Spark
     * cancels it by its job tag when the timeout fires, so its stage fails with "[SPARK_JOB_CANCELLED]
     * ... The corresponding broadcast query has failed." before all its tasks completed, and its
     * running tasks end killed. A job that simply finished (all tasks completed, no failure reason),
     * or one the lab cancelled when the run ended (another reason), does not match.
     */
    private static Verdict broadcastJobCancelled(RunSnapshot run) {
        for (JobSnapshot job : run.jobs()) {
            if (job.status() != JobStatus.FAILED) {
                continue;
            }
            for (StageSnapshot stage : run.stages()) {
                if (stage.jobIds().contains(job.jobId())
                        && stage.numTasks() == DIM_PARTITIONS
                        && stage.failureReason() != null
                        && stage.failureReason().contains("The corresponding broadcast query has failed")) {
                    // Killed tasks are counted but not required: on a busy machine the timeout can fire
                    // before the stage's tasks have even launched, and then there is nothing to kill.
                    return Verdict.of(
                            stage.completedTasks() < stage.numTasks() && stage.activeTasks() == 0,
                            "job %d FAILED, stage %d: %d of %d tasks killed (%d completed, %d failed, %d active),"
                                    + " reason: %s",
                            job.jobId(),
                            stage.stageId(),
                            stage.killedTasks(),
                            stage.numTasks(),
                            stage.completedTasks(),
                            stage.failedTasks(),
                            stage.activeTasks(),
                            stage.failureReason().lines().findFirst().orElse(""));
                }
            }
        }
        return Verdict.of(
                false,
                "no failed job with a stage cancelled by the broadcast; jobs: %s",
                run.jobs().stream().map(JobSnapshot::status).toList());
    }

    /** AQE and automatic broadcasts off: the hints decide; 8 partitions for the shuffle join. */
    private static Variant pinned(String name) {
        return Variants.shuffleJoin(name).withConf("spark.sql.shuffle.partitions", "8");
    }

    private static Evidence joinSucceeds(String id, String variant, String join) {
        return Evidence.of(
                id,
                Set.of(variant),
                run -> Verdict.of(
                        run.status() == RunStatus.SUCCEEDED
                                && RunQueries.joinStrategy(run).equals(join),
                        "status %s, join %s",
                        run.status(),
                        RunQueries.joinStrategy(run)));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // A lookup that sleeps lookupMs per row. Sleeping is interruptible: when Spark cancels the broadcast
        // job, the task stops at once. Non-nullable: no isnotnull() filter that would call the lookup twice.
        long lookupMs = k.integer("lookupMs");
        UserDefinedFunction slowLookup = udf(
                        (UDF1<Long, Long>) id -> {
                            Thread.sleep(lookupMs);
                            return id;
                        },
                        DataTypes.LongType)
                .asNonNullable();
        Dataset<Row> dims = run.spark()
                .range(0, k.integer("dimRows"), 1, 2) // DIM_PARTITIONS: the evidence counts its tasks
                .select(
                        slowLookup.apply(col("id")).as("key"),
                        concat(lit("name-"), col("id").cast("string")).as("name"));
        Dataset<Row> facts = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(pmod(col("id"), lit(k.integer("dimRows"))).as("key"));
        Dataset<Row> build = run.variant().equals("shuffle-join") ? dims.hint("merge") : broadcast(dims);
        Dataset<Row> query = facts.join(build, "key").agg(count(lit(1)));
        // lesson:end
        try {
            // lesson:start
            List<Row> rows = run.collect(query);
            // lesson:end
            return rows.get(0).getLong(0) + " rows joined after the slow lookup";
        } catch (RuntimeException timedOut) {
            awaitCancelled(run.spark());
            throw timedOut;
        }
    }

    /**
     * The query fails as soon as the timeout fires, while Spark cancels the broadcast job
     * asynchronously. Wait (bounded) until Spark reports no active job in the run's job group, so
     * the run ends with its jobs ended and its evidence reads the cancellation Spark recorded.
     */
    private static void awaitCancelled(SparkSession spark) {
        String group = spark.sparkContext().getLocalProperty("spark.jobGroup.id");
        long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (group != null
                && activeJobs(spark.sparkContext().statusTracker(), group)
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * True until Spark's status store knows at least one job of the group, none of them is still
     * running and none of their stages has a task still running: right after the timeout the
     * broadcast job's start may itself still be on the bus, and the killed tasks report their end
     * after the job has ended.
     */
    private static boolean activeJobs(SparkStatusTracker tracker, String group) {
        int[] jobs = tracker.getJobIdsForGroup(group);
        for (int id : jobs) {
            scala.Option<SparkJobInfo> info = tracker.getJobInfo(id);
            if (info.isEmpty()
                    || info.get().status() == JobExecutionStatus.RUNNING
                    || info.get().status() == JobExecutionStatus.UNKNOWN) {
                return true;
            }
            for (int stageId : info.get().stageIds()) {
                scala.Option<SparkStageInfo> stage = tracker.getStageInfo(stageId);
                if (stage.isDefined() && stage.get().numActiveTasks() > 0) {
                    return true;
                }
            }
        }
        return jobs.length == 0;
    }
}
