package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.plan.PlanDiff;
import dev.breaklab.run.PlanCause;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.TaskPhases;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.status.api.v1.StageData;
import org.apache.spark.status.api.v1.TaskData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The telemetry on real runs: the lab's per-stage figures are Spark's own, the broken and fixed
 * variants show what the issue promises (straggler, thousands of tasks, skew split, coalescing),
 * and the plan diff names what AQE changed.
 */
@LabTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealRunTelemetryTests {

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    SparkSession spark;

    @Autowired
    MockMvc mvc;

    RunSnapshot skewBroken;
    RunSnapshot skewFixed;
    RunSnapshot tinyBroken;
    RunSnapshot tinyFixed;

    @BeforeAll
    void runTheExperiments() {
        Runs runs = new Runs(engine, validator, store);
        // 32 join tasks instead of 8: the hot partition is as big, the others 4x smaller, so the
        // straggler stands out even when a loaded machine inflates every task's fixed overhead.
        skewBroken = succeeded(
                runs.run(new RunRequest("skewed-join", "broken", Map.of("shufflePartitions", 32L), Map.of(), null)));
        skewFixed = succeeded(runs.run("skewed-join", "fixed"));
        tinyBroken = succeeded(runs.run("tiny-partitions", "broken"));
        tinyFixed = succeeded(runs.run("tiny-partitions", "fixed"));
    }

    @Test
    void the_labs_stage_figures_are_sparks_own_for_the_same_stage_attempts() {
        int compared = 0;
        for (RunSnapshot run : List.of(skewBroken, skewFixed, tinyBroken, tinyFixed)) {
            for (StageSnapshot lab : run.stages()) {
                if (lab.status() != StageStatus.COMPLETE && lab.status() != StageStatus.FAILED) {
                    continue;
                }
                StageData spark = this.spark
                        .sparkContext()
                        .statusStore()
                        .stageAttempt(lab.stageId(), lab.attemptId(), false, List.of(), false, new double[0])
                        ._1();
                String what =
                        run.experimentId() + "/" + run.variant() + " stage " + lab.stageId() + "." + lab.attemptId();
                assertThat(lab.numTasks()).as(what + " tasks").isEqualTo(spark.numTasks());
                assertThat(lab.completedTasks()).as(what + " completed").isEqualTo(spark.numCompleteTasks());
                assertThat(lab.failedTasks()).as(what + " failed").isEqualTo(spark.numFailedTasks());
                assertThat(lab.killedTasks()).as(what + " killed").isEqualTo(spark.numKilledTasks());
                assertThat(lab.inputBytes()).as(what + " input").isEqualTo(spark.inputBytes());
                assertThat(lab.shuffleReadBytes()).as(what + " shuffle read").isEqualTo(spark.shuffleReadBytes());
                assertThat(lab.shuffleRemoteBytesRead())
                        .as(what + " remote shuffle read")
                        .isEqualTo(spark.shuffleRemoteBytesRead());
                assertThat(lab.shuffleWriteBytes()).as(what + " shuffle write").isEqualTo(spark.shuffleWriteBytes());
                assertThat(lab.memorySpilledBytes()).as(what + " memory spill").isEqualTo(spark.memoryBytesSpilled());
                assertThat(lab.diskSpilledBytes()).as(what + " disk spill").isEqualTo(spark.diskBytesSpilled());
                compared++;
            }
        }
        assertThat(compared).as("stage attempts compared").isGreaterThanOrEqualTo(8);
        assertThat(tinyBroken.stages().stream()
                        .mapToLong(StageSnapshot::shuffleWriteBytes)
                        .sum())
                .as("the comparison covers real shuffle bytes")
                .isPositive();
    }

    @Test
    void each_tasks_phases_are_the_spark_uis_and_a_stages_phases_sum_sparks_task_metrics() {
        int tasks = 0;
        for (RunSnapshot run : List.of(skewBroken, skewFixed)) {
            assertThat(run.timeline()).as("every task is on the timeline").hasSizeLessThan(LiveRun.TIMELINE_CAP);
            for (StageSnapshot lab : run.stages()) {
                if (lab.status() != StageStatus.COMPLETE) {
                    continue;
                }
                String what =
                        run.experimentId() + "/" + run.variant() + " stage " + lab.stageId() + "." + lab.attemptId();
                StageData stage = spark.sparkContext()
                        .statusStore()
                        .stageAttempt(lab.stageId(), lab.attemptId(), false, List.of(), false, new double[0])
                        ._1();
                TaskPhases sum = lab.taskPhases();
                assertThat(sum.deserializeMs()).as(what + " deserialize").isEqualTo(stage.executorDeserializeTime());
                assertThat(sum.shuffleFetchWaitMs()).as(what + " fetch wait").isEqualTo(stage.shuffleFetchWaitTime());
                assertThat(sum.resultSerializationMs())
                        .as(what + " result serialization")
                        .isEqualTo(stage.resultSerializationTime());
                assertThat(sum.gcMs()).as(what + " GC").isEqualTo(stage.jvmGcTime());
                // Spark sums nanoseconds; the lab rounds each task down to milliseconds first.
                assertThat(stage.shuffleWriteTime() / 1_000_000 - sum.shuffleWriteMs())
                        .as(what + " shuffle write")
                        .isBetween(0L, (long) lab.numTasks());
                for (TaskData task : CollectionConverters.asJava(spark.sparkContext()
                        .statusStore()
                        .taskList(lab.stageId(), lab.attemptId(), Integer.MAX_VALUE))) {
                    TaskPhases phases = run.timeline().stream()
                            .filter(t -> t.stageId() == lab.stageId()
                                    && t.attemptId() == lab.attemptId()
                                    && t.partition() == task.index())
                            .findFirst()
                            .orElseThrow()
                            .phases();
                    assertThat(phases.schedulerDelayMs())
                            .as(what + " task " + task.index() + " scheduler delay")
                            .isEqualTo(task.schedulerDelay());
                    assertThat(phases.gettingResultMs())
                            .as(what + " task " + task.index() + " getting result")
                            .isEqualTo(task.gettingResultTime());
                    // They add up to the task's duration unless the executor's own run time exceeded the
                    // driver's launch-to-finish (a clamped, zero scheduler delay, as in the Spark UI).
                    long duration = ((Long) task.duration().get()).longValue();
                    if (phases.schedulerDelayMs() > 0) {
                        assertThat(phases.totalMs())
                                .as(what + " task " + task.index() + " phases add up to its duration")
                                .isEqualTo(duration);
                    } else {
                        assertThat(phases.totalMs()).isGreaterThanOrEqualTo(duration);
                    }
                    tasks++;
                }
            }
        }
        assertThat(tasks).as("tasks compared").isGreaterThanOrEqualTo(40);
        assertThat(skewBroken
                        .heaviestShuffleReadStage()
                        .orElseThrow()
                        .taskPhases()
                        .computeMs())
                .as("the join stage computed")
                .isPositive();
    }

    @Test
    void skewed_join_broken_has_a_straggler_in_the_join_stage() {
        StageSnapshot join = skewBroken.heaviestShuffleReadStage().orElseThrow();

        assertThat(join.taskDurationMs().maxOverMedian())
                .as("duration max/median")
                .isGreaterThanOrEqualTo(5);
        assertThat(join.taskShuffleReadBytes().maxOverMedian())
                .as("shuffle read max/median")
                .isGreaterThanOrEqualTo(5);
        assertThat(join.slowestTasks().get(0).shuffleReadBytes())
                .as("the slowest task is the one that read the hot key")
                .isEqualTo(join.taskShuffleReadBytes().max());
    }

    @Test
    void skewed_join_fixed_splits_the_skew_and_the_diff_names_it() {
        assertThat(skewFixed.anyFinalPlanNode(n -> n.nodeName().equals("SortMergeJoin(skew=true)")))
                .isTrue();
        PlanDiff diff = initialVsFinal(skewFixed);
        System.out.println("skewed-join / fixed, initial vs final plan:\n" + describe(diff));

        assertThat(diff.changedTo("SortMergeJoin", "skew=true"))
                .as(describe(diff))
                .isTrue();
        assertThat(diff.added("AQEShuffleRead", "skewed")).as(describe(diff)).isTrue();
        assertThat(diff.changes())
                .filteredOn(c -> c.kind() == PlanDiff.Kind.CHANGED)
                .extracting(PlanDiff.Change::summary)
                .contains("SortMergeJoin now marked skew=true");
    }

    @Test
    void tiny_partitions_broken_runs_thousands_of_tasks_in_one_stage() {
        assertThat(tinyBroken.stages()).anySatisfy(s -> {
            assertThat(s.numTasks()).isGreaterThanOrEqualTo(1_000);
            assertThat(s.completedTasks()).isEqualTo(s.numTasks());
        });
        assertThat(tinyBroken.timeline()).hasSizeLessThanOrEqualTo(LiveRun.TIMELINE_CAP);
    }

    @Test
    void tiny_partitions_fixed_is_coalesced_and_the_diff_shows_the_shuffle_read() {
        assertThat(tinyFixed.widestStage().orElseThrow().numTasks()).isLessThan(1_000);
        PlanDiff diff = initialVsFinal(tinyFixed);
        System.out.println("tiny-partitions / fixed, initial vs final plan:\n" + describe(diff));

        assertThat(diff.added("AQEShuffleRead", "coalesced")).as(describe(diff)).isTrue();
        assertThat(diff.changes()).as("AQE only inserted the read").hasSize(1);
    }

    @Test
    void the_compare_endpoint_diffs_plans_and_stages() throws Exception {
        mvc.perform(get("/api/runs/" + tinyBroken.id() + "/compare/" + tinyFixed.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.a.variant").value("broken"))
                .andExpect(jsonPath("$.b.variant").value("fixed"))
                .andExpect(jsonPath("$.plans[0].aInitialVsFinal.identical").value(true))
                .andExpect(jsonPath("$.plans[0].bInitialVsFinal.changes[0].operator")
                        .value("AQEShuffleRead"))
                .andExpect(jsonPath("$.plans[0].finalVsFinal.changes[?(@.operator == 'AQEShuffleRead')]")
                        .exists())
                .andExpect(jsonPath("$.totals.tasks.a").value(org.hamcrest.Matchers.greaterThanOrEqualTo(1_000.0)))
                .andExpect(jsonPath("$.stages[1].metrics.numTasks.a")
                        .value(((Number) tinyBroken.knobs().get("shufflePartitions")).doubleValue()))
                .andExpect(jsonPath("$.stages[1].metrics.numTasks.delta").value(org.hamcrest.Matchers.lessThan(0.0)));
        mvc.perform(get("/api/runs/" + skewBroken.id() + "/compare/" + skewFixed.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath(
                                "$.plans[0].finalVsFinal.changes[?(@.summary == 'SortMergeJoin now marked skew=true')]")
                        .exists());
        mvc.perform(get("/api/runs/" + tinyBroken.id() + "/compare/nope"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.field").value("b"));
    }

    private static PlanDiff initialVsFinal(RunSnapshot run) {
        SqlSnapshot sql = run.sql().stream()
                .filter(s -> s.plans().size() > 1)
                .reduce((x, y) -> y)
                .orElseThrow(() -> new AssertionError("no SQL execution with AQE updates in " + run.id()));
        assertThat(sql.plans().get(0).cause()).isEqualTo(PlanCause.INITIAL);
        assertThat(sql.plans().get(sql.plans().size() - 1).cause()).isEqualTo(PlanCause.FINAL);
        return PlanDiff.between(
                sql.plans().get(0).tree(), sql.finalPlan().orElseThrow().tree());
    }

    private static String describe(PlanDiff diff) {
        StringBuilder out = new StringBuilder();
        diff.changes().forEach(c -> out.append("  ")
                .append(c.kind())
                .append(": ")
                .append(c.summary())
                .append(" [")
                .append(c.path())
                .append("]\n"));
        return out.toString();
    }

    private static RunSnapshot succeeded(RunSnapshot run) {
        assertThat(run.status())
                .as("%s/%s: %s", run.experimentId(), run.variant(), run.error())
                .isEqualTo(RunStatus.SUCCEEDED);
        return run;
    }
}
