package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.run.TaskSpan;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * An executor dies mid-stage: its running task fails with ExecutorLostFailure, Spark runs it again
 * elsewhere, and the job still succeeds. Needs separate executor processes (a cluster mode).
 */
@Component
class ExecutorLostExperiment extends ExperimentBase {

    ExecutorLostExperiment() {
        super(define("executor-lost", ExecutorLostExperiment.class)
                .concepts(Concept.FAULTS, Concept.STAGES, Concept.SPARK_UI)
                .requires(Requires.CLUSTER)
                .sql("""
                    SELECT pmod(id, 10) AS bucket, count(1) AS n
                    FROM range(0, ${rows}, 1, ${partitions})
                    GROUP BY pmod(id, 10)""")
                .knob(Knobs.rows(2_000, 100_000))
                .knob(IntegerKnob.of("partitions", 8, 2, 200, "tasks"))
                .knob(IntegerKnob.of("rowMicros", 4_000, 0, 100_000, "µs"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Questions.outcome("Will the job still succeed after losing an executor?"))
                .question(Questions.yesNo("task-retried", run -> lostTasks(run) > 0))
                .evidence(Evidence.central(
                        "lost-mid-stage",
                        Set.of("broken"),
                        run -> Verdict.of(
                                lostTasks(run) > 0,
                                "%d task attempt(s) lost with their executor, %d resubmitted",
                                count(run, TaskOutcome.EXECUTOR_LOST),
                                count(run, TaskOutcome.RESUBMITTED))))
                .evidence(Evidence.of("retried-elsewhere", Set.of("broken"), run -> {
                    List<TaskSpan> lost = run.timeline().stream()
                            .filter(span -> span.status() == TaskOutcome.EXECUTOR_LOST)
                            .toList();
                    long retried = lost.stream()
                            .filter(failed -> run.timeline().stream()
                                    .anyMatch(span -> span.status() == TaskOutcome.SUCCESS
                                            && span.stageId() == failed.stageId()
                                            && span.partition() == failed.partition()
                                            && !span.executorId().equals(failed.executorId())))
                            .count();
                    return Verdict.of(
                            !lost.isEmpty() && retried == lost.size(),
                            "%d of %d lost task(s) succeeded on another executor",
                            retried,
                            lost.size());
                }))
                .evidence(Evidence.countsEveryRow("right-answer", Set.of("broken", "fixed")))
                .evidence(Evidence.of(
                        "no-failures",
                        Set.of("fixed"),
                        run -> Verdict.of(failedTasks(run) == 0, "%d failed task attempt(s)", failedTasks(run))))
                .primaryFinding("retries"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long rowMicros = k.integer("rowMicros"); // the stand-in for real work: each row takes rowMicros
        Dataset<Row> counts = run.spark()
                .range(0, k.integer("rows"), 1, (int) k.integer("partitions"))
                .map(
                        (MapFunction<Long, Long>) id -> {
                            LockSupport.parkNanos(rowMicros * 1_000);
                            return id;
                        },
                        Encoders.LONG())
                .groupBy(pmod(col("value"), lit(10)).as("bucket"))
                .count();
        ExecutorKiller killer = run.variant().equals("broken")
                // Spark's own fault: kill the executor of the first map task as soon as it starts.
                ? ExecutorKiller.onFirstTask(run.spark().sparkContext(), 0)
                : null;
        List<Row> rows;
        try {
            rows = run.collect(counts);
        } finally {
            if (killer != null) {
                killer.close();
            }
        }
        // lesson:end
        long counted = rows.stream().mapToLong(row -> row.getLong(1)).sum();
        run.measure("rowsCounted", counted);
        String killed = killer == null ? null : killer.killedExecutor();
        return counted + " rows counted" + (killed == null ? "" : "; executor " + killed + " was killed mid-stage");
    }

    private static long count(RunSnapshot run, TaskOutcome outcome) {
        return run.timeline().stream().filter(span -> span.status() == outcome).count();
    }

    private static long lostTasks(RunSnapshot run) {
        return count(run, TaskOutcome.EXECUTOR_LOST) + count(run, TaskOutcome.RESUBMITTED);
    }

    private static long failedTasks(RunSnapshot run) {
        return run.stages().stream().mapToLong(stage -> stage.failedTasks()).sum();
    }
}
