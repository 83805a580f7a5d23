package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.udf;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunStatus;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.springframework.stereotype.Component;

/** A slow build side and a short spark.sql.broadcastTimeout: the query gives up waiting for the broadcast. */
@Component
class BroadcastTimeoutExperiment implements Experiment {

    static final String ID = "broadcast-timeout";
    private static final int DIM_PARTITIONS = 2;
    private static final java.time.Duration CANCEL_WAIT = java.time.Duration.ofSeconds(10);

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Broadcast timeout: waiting for a slow build side",
            "The broadcast side is computed by a slow lookup; the query stops waiting after spark.sql.broadcastTimeout.",
            List.of(Concept.JOINS, Concept.FAULTS),
            """
            A broadcast join cannot start until the small side exists on the driver: Spark runs a separate \
            job to compute and collect it and waits for that job with a deadline, \
            spark.sql.broadcastTimeout (300 s by default). When the build side is cheap that is a formality. \
            When the "small" table is the output of something slow (a UDF calling a service per row, a \
            heavy aggregation, a cluster that is busy and cannot schedule the job) the wait runs out and \
            the whole query fails, even though nothing is wrong with the data.

            Here the dimension is enriched by a lookup UDF that sleeps lookupMs per row, like a call to a \
            slow service, and the timeout is set to one second. The broken run fails with Spark's own \
            "Could not execute broadcast in 1 secs" error; Spark then cancels the broadcast job, so no \
            task keeps sleeping after the query is gone.

            In the lab, the run ends FAILED and the job that built the dimension ends failed (cancelled) \
            too. In the Spark UI you see the same: a killed broadcast job under a failed SQL query, and in \
            the driver log the advice Spark prints with the error. Fixes: give the broadcast more time \
            (the fixed variant raises the timeout), do not broadcast a side that is expensive to compute \
            (the shuffle-join variant uses MERGE, which has no deadline), or materialize the slow side \
            first (cache or write it) so the broadcast only has to collect it.""",
            new Code("""
                    // a lookup that takes lookupMs per row, like a call to a slow service
                    UserDefinedFunction slowLookup = udf((UDF1<Long, Long>) id -> {
                        Thread.sleep(lookupMs);
                        return id;
                    }, DataTypes.LongType).asNonNullable();

                    Dataset<Row> dims = spark.range(0, dimRows, 1, 2).select(
                        slowLookup.apply(col("id")).as("key"), concat(lit("name-"), col("id")).as("name"));
                    Dataset<Row> facts = spark.range(0, rows, 1, 4).select(pmod(col("id"), lit(dimRows)).as("key"));

                    // spark.sql.broadcastTimeout=1 (broken) or 120 (fixed), AQE off
                    facts.join(broadcast(dims), "key").agg(count(lit(1))).collectAsList();
                    // shuffle-join: facts.join(dims.hint("merge"), "key")""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.broadcastTimeout = 1;          -- broken; fixed: 120
                    SET spark.sql.shuffle.partitions = 8;

                    -- slow_lookup: a UDF that sleeps ${lookupMs} ms per row
                    CREATE TEMP VIEW dims AS
                      SELECT slow_lookup(id) AS key, concat('name-', id) AS name
                      FROM range(0, ${dimRows}, 1, 2);
                    CREATE TEMP VIEW facts AS SELECT pmod(id, ${dimRows}) AS key FROM range(0, ${rows}, 1, 4);

                    SELECT /*+ BROADCAST(d) */ count(*) FROM facts f JOIN dims d ON f.key = d.key;
                    -- shuffle-join: /*+ MERGE(d) */"""),
            List.of(
                    IntegerKnob.of("rows", "Fact rows", 200_000, 1_000, 10_000_000, "rows", "Rows in the fact table"),
                    IntegerKnob.of("dimRows", "Dimension rows", 20, 2, 1_000, "rows", "Rows the slow lookup enriches"),
                    IntegerKnob.of(
                            "lookupMs",
                            "Lookup time",
                            150,
                            0,
                            2_000,
                            "ms per row",
                            "How long the lookup UDF sleeps per row"),
                    IntegerKnob.of(
                                    "broadcastTimeout",
                                    "Broadcast timeout",
                                    1,
                                    1,
                                    600,
                                    "s",
                                    "spark.sql.broadcastTimeout: how long the query waits for the broadcast side")
                            .conf("spark.sql.broadcastTimeout")),
            List.of(
                    Variant.of("broken", "1 s to broadcast", "The build side needs longer than the broadcast timeout")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of("fixed", "More time", "The same broadcast with a 120 s timeout")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8")
                            .withKnob("broadcastTimeout", 120L),
                    Variant.of(
                                    "shuffle-join",
                                    "No broadcast",
                                    "MERGE hint: a sort-merge join has no broadcast deadline")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8")),
            List.of(
                    Question.outcome("Will the run succeed or fail?"),
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the plan use?",
                            List.of("BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin"),
                            RunQueries::joinStrategy)),
            List.of(
                    Evidence.central(
                            "broadcast-timed-out",
                            "The query fails with Spark's broadcast timeout: \"Could not execute broadcast in N secs\"",
                            Set.of("broken"),
                            run -> {
                                boolean timedOut = run.status() == RunStatus.FAILED
                                        && run.error() != null
                                        && run.error().message().contains("Could not execute broadcast in");
                                return Verdict.of(
                                        timedOut,
                                        "status %s%s",
                                        run.status(),
                                        run.error() == null
                                                ? ""
                                                : ": " + run.error().errorClass() + ": "
                                                        + firstLine(run.error().message()));
                            }),
                    Evidence.of(
                            "no-jobs-left",
                            "Spark cancels the broadcast job: no job of the run is left running",
                            Set.of("broken", "fixed", "shuffle-join"),
                            run -> {
                                List<JobStatus> states = run.jobs().stream()
                                        .map(JobSnapshot::status)
                                        .toList();
                                long running = states.stream()
                                        .filter(JobStatus.RUNNING::equals)
                                        .count();
                                return Verdict.of(!states.isEmpty() && running == 0, "jobs: %s", states);
                            }),
                    Evidence.of(
                            "broadcast-completes",
                            "With enough time the broadcast completes and the BroadcastHashJoin runs",
                            Set.of("fixed"),
                            run -> Verdict.of(
                                    run.status() == RunStatus.SUCCEEDED
                                            && RunQueries.joinStrategy(run).equals("BroadcastHashJoin"),
                                    "status %s, join %s, result %s",
                                    run.status(),
                                    RunQueries.joinStrategy(run),
                                    run.result())),
                    Evidence.of(
                            "no-deadline",
                            "A sort-merge join has no broadcast to wait for: it succeeds, slow lookup and all",
                            Set.of("shuffle-join"),
                            run -> Verdict.of(
                                    run.status() == RunStatus.SUCCEEDED
                                            && RunQueries.joinStrategy(run).equals("SortMergeJoin"),
                                    "status %s, join %s",
                                    run.status(),
                                    RunQueries.joinStrategy(run)))),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    private static String firstLine(String message) {
        int cut = message.indexOf('\n');
        return cut < 0 ? message : message.substring(0, cut);
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long lookupMs = k.integer("lookupMs");
        long dimRows = k.integer("dimRows");
        // Sleeping is interruptible: when Spark cancels the broadcast job, the task stops at once.
        // Non-nullable, so the optimizer adds no isnotnull() filter that would call the lookup twice.
        UserDefinedFunction slowLookup = udf(
                        (UDF1<Long, Long>) id -> {
                            Thread.sleep(lookupMs);
                            return id;
                        },
                        DataTypes.LongType)
                .asNonNullable();
        Dataset<Row> dims = spark.range(0, dimRows, 1, DIM_PARTITIONS)
                .select(
                        slowLookup.apply(col("id")).as("key"),
                        concat(lit("name-"), col("id").cast("string")).as("name"));
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, 4)
                .select(pmod(col("id"), lit(dimRows)).as("key"));
        Dataset<Row> build = "shuffle-join".equals(run.variant()) ? dims.hint("merge") : broadcast(dims);
        long joined;
        try {
            joined = run.collect(facts.join(build, "key").agg(count(lit(1))))
                    .get(0)
                    .getLong(0);
        } catch (RuntimeException timedOut) {
            awaitCancelled(spark);
            throw timedOut;
        }
        return joined + " rows joined after the slow lookup";
    }

    /**
     * The query fails as soon as the timeout fires, while Spark cancels the broadcast job
     * asynchronously. Wait (bounded) until Spark reports no active job in the run's job group, so
     * the run ends with its jobs ended and its evidence reads the cancellation Spark recorded.
     */
    private static void awaitCancelled(SparkSession spark) {
        String group = spark.sparkContext().getLocalProperty("spark.jobGroup.id");
        if (group == null) {
            return;
        }
        long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
        while (activeJobs(spark, group) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * True until Spark's status store knows at least one job of the group and none of them is still
     * running: right after the timeout the broadcast job's start may itself still be on the bus.
     */
    private static boolean activeJobs(SparkSession spark, String group) {
        org.apache.spark.SparkStatusTracker tracker = spark.sparkContext().statusTracker();
        int[] jobs = tracker.getJobIdsForGroup(group);
        if (jobs.length == 0) {
            return true;
        }
        for (int id : jobs) {
            scala.Option<org.apache.spark.SparkJobInfo> info = tracker.getJobInfo(id);
            if (info.isEmpty()
                    || info.get().status() == org.apache.spark.JobExecutionStatus.RUNNING
                    || info.get().status() == org.apache.spark.JobExecutionStatus.UNKNOWN) {
                return true;
            }
        }
        return false;
    }
}
