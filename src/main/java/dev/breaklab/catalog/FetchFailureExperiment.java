package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.TaskOutcome;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * An executor dies while the reduce stage fetches its shuffle output: FetchFailed, and Spark reruns
 * the map stage as a new attempt. With the external shuffle service the files outlive the executor:
 * no fetch failure. Needs separate executor processes; the fixed variant needs a lab started with
 * the shuffle service ({@code lab.engine.cluster.shuffle-service=true}), a setting Spark fixes when
 * its application starts.
 */
@Component
class FetchFailureExperiment extends ExperimentBase {

    static final String ID = "fetch-failure";
    static final String SHUFFLE_SERVICE = "spark.shuffle.service.enabled";

    FetchFailureExperiment() {
        super(define(ID, FetchFailureExperiment.class)
                .concepts(Concept.FAULTS, Concept.SHUFFLE, Concept.STAGES)
                .requires(Requires.CLUSTER)
                .sql("""
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n
                    FROM range(0, ${rows}, 1, ${partitions})
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(200_000, 10_000_000))
                .knob(IntegerKnob.of("partitions", 8, 2, 200, "tasks"))
                .knob(IntegerKnob.of("keys", 400, 10, 100_000, "keys"))
                .knob(Knobs.shufflePartitions(8, 200, "Reduce tasks"))
                .knob(IntegerKnob.of("keyMillis", 20, 0, 1_000, "ms"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .question(Questions.outcome("Will the job still succeed?"))
                .question(Questions.yesNo("map-stage-rerun", run -> stageRetries(run) > 0))
                .evidence(Evidence.central(
                        "fetch-failed",
                        Set.of("broken"),
                        run -> Verdict.of(
                                fetchFailures(run) > 0,
                                "%d task attempt(s) FetchFailed, %d lost with their executor; %s",
                                fetchFailures(run),
                                count(run, TaskOutcome.EXECUTOR_LOST),
                                failedStageReason(run))))
                .evidence(Evidence.of(
                        "map-stage-resubmitted",
                        Set.of("broken"),
                        run -> Verdict.of(
                                mapStageRetries(run) > 0,
                                "%d map stage attempt(s) after the first; stage attempts: %s",
                                mapStageRetries(run),
                                attempts(run))))
                .evidence(Evidence.countsEveryRow("right-answer", Set.of("broken", "fixed")))
                .evidence(Evidence.of(
                        "shuffle-service-kept-files",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                run.measurement("executorsKilled") > 0
                                        && fetchFailures(run) == 0
                                        && stageRetries(run) == 0,
                                "%d executor(s) killed, %d FetchFailed task(s), stage attempts: %s",
                                run.measurement("executorsKilled"),
                                fetchFailures(run),
                                attempts(run))))
                .primaryFinding("retries"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        boolean shuffleService = run.spark().sparkContext().getConf().getBoolean(SHUFFLE_SERVICE, false);
        if (shuffleService != run.variant().equals("fixed")) {
            // The setting belongs to the application: a run cannot change it, only a restarted lab can.
            throw new IllegalStateException(
                    run.variant().equals("fixed")
                            ? "the fixed variant needs the external shuffle service: start the lab with"
                                    + " --lab.engine.cluster.shuffle-service=true (spark.shuffle.service.enabled is fixed when"
                                    + " Spark's application starts)"
                            : "the broken variant needs a cluster without the external shuffle service (this lab runs with"
                                    + " spark.shuffle.service.enabled=true, which keeps the files): start the lab without"
                                    + " lab.engine.cluster.shuffle-service");
        }
        // lesson:start
        long keyMillis = k.integer("keyMillis");
        Dataset<Long> counts = run.spark()
                .range(0, k.integer("rows"), 1, (int) k.integer("partitions"))
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .count()
                // The reduce stage's work per key (a stand-in for real work): it keeps fetching for a while.
                .map(
                        (MapFunction<Row, Long>) row -> {
                            LockSupport.parkNanos(keyMillis * 1_000_000);
                            return row.getLong(1);
                        },
                        Encoders.LONG());
        // Spark's own fault: kill the executor of the first reduce task as soon as it starts.
        ExecutorKiller killer = ExecutorKiller.onFirstTask(run.spark().sparkContext(), 1);
        List<Row> rows;
        try {
            rows = run.collect(counts.toDF("n"));
        } finally {
            killer.close();
        }
        // lesson:end
        long counted = rows.stream().mapToLong(row -> row.getLong(0)).sum();
        run.measure("rowsCounted", counted);
        String killed = killer.killedExecutor();
        run.measure("executorsKilled", killed == null ? 0 : 1);
        return counted + " rows counted" + (killed == null ? "" : "; executor " + killed + " was killed mid-stage");
    }

    private static long count(RunSnapshot run, TaskOutcome outcome) {
        return run.timeline().stream().filter(span -> span.status() == outcome).count();
    }

    static long fetchFailures(RunSnapshot run) {
        return count(run, TaskOutcome.FETCH_FAILED);
    }

    static long stageRetries(RunSnapshot run) {
        return run.stages().stream().filter(stage -> stage.attemptId() > 0).count();
    }

    private static long mapStageRetries(RunSnapshot run) {
        return run.stages().stream()
                .filter(stage -> stage.attemptId() > 0 && stage.shuffleWriteBytes() > 0)
                .count();
    }

    private static String attempts(RunSnapshot run) {
        return String.join(
                ", ",
                run.stages().stream()
                        .map(stage -> "stage " + stage.stageId() + "." + stage.attemptId() + " " + stage.status())
                        .toList());
    }

    private static String failedStageReason(RunSnapshot run) {
        return run.stages().stream()
                .map(StageSnapshot::failureReason)
                .filter(reason -> reason != null && !reason.isBlank())
                .findFirst()
                .map(reason -> "stage failure: " + reason.lines().findFirst().orElse(reason))
                .orElse("no stage failed");
    }
}
