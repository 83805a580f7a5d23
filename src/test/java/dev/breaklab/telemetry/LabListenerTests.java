package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.ExecutorSnapshot;
import dev.breaklab.run.Histogram;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.PlanCause;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunError;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.run.TaskSpan;
import dev.breaklab.run.TaskSummary;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.FetchFailed;
import org.apache.spark.Success$;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.TaskState$;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.executor.TempShuffleReadMetrics;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListenerBlockManagerAdded;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The listener fed with synthetic Spark events, no SparkSession: the way Spark's own
 * {@code SQLAppStatusListenerSuite} tests its listener. Each test plays an event order Spark can
 * produce and checks what the runs' snapshots say.
 */
class LabListenerTests {

    private final RunStore store = new RunStore(10);
    private final LabListener listener = new LabListener(store);
    private long taskIds;

    @Test
    void concurrent_runs_interleaved_on_the_bus_keep_their_own_stages_and_tasks() {
        LiveRun a = run("a");
        LiveRun b = run("b");
        listener.onJobStart(jobStart(1, "a", stage(10, 0, 4), stage(11, 0, 2)));
        listener.onJobStart(jobStart(2, "b", stage(20, 0, 3)));
        listener.onStageSubmitted(submitted(stage(10, 0, 4)));
        listener.onStageSubmitted(submitted(stage(20, 0, 3)));
        for (int i = 0; i < 4; i++) {
            listener.onTaskStart(new SparkListenerTaskStart(20, 0, task(i, 0, "1")));
            taskEnd(10, 0, i, 100, Success$.MODULE$, metrics(0, 1_000, 0));
            if (i < 3) {
                taskEnd(20, 0, i, 50, Success$.MODULE$, metrics(500, 0, 0));
            }
        }
        listener.onStageCompleted(completed(stage(10, 0, 4), null));
        listener.onStageCompleted(completed(stage(20, 0, 3), null));
        listener.onJobEnd(new SparkListenerJobEnd(2, 1_000, JobSucceeded$.MODULE$));
        listener.onStageSubmitted(submitted(stage(11, 0, 2)));
        taskEnd(11, 0, 0, 10, Success$.MODULE$, metrics(300, 0, 0));
        taskEnd(11, 0, 1, 10, Success$.MODULE$, metrics(700, 0, 0));
        listener.onStageCompleted(completed(stage(11, 0, 2), null));
        listener.onJobEnd(new SparkListenerJobEnd(1, 2_000, JobSucceeded$.MODULE$));

        RunSnapshot sa = snapshot(a);
        RunSnapshot sb = snapshot(b);
        assertThat(sa.stages()).extracting(StageSnapshot::stageId).containsExactly(10, 11);
        assertThat(sb.stages()).extracting(StageSnapshot::stageId).containsExactly(20);
        assertThat(stage(sa, 10, 0).completedTasks()).isEqualTo(4);
        assertThat(stage(sa, 10, 0).shuffleWriteBytes()).isEqualTo(4_000);
        assertThat(stage(sa, 11, 0).shuffleReadBytes()).isEqualTo(1_000);
        assertThat(stage(sb, 20, 0).completedTasks()).isEqualTo(3);
        assertThat(stage(sb, 20, 0).shuffleReadBytes()).isEqualTo(1_500);
        assertThat(stage(sb, 20, 0).activeTasks()).isZero();
        assertThat(sa.jobs()).extracting(JobSnapshot::jobId).containsExactly(1);
        assertThat(sb.jobs()).extracting(JobSnapshot::status).containsExactly(JobStatus.SUCCEEDED);
        assertThat(sa.executors()).singleElement().satisfies(e -> assertThat(e.tasks())
                .isEqualTo(6));
    }

    @Test
    void ends_that_arrive_after_the_action_returned_still_land_on_the_run() {
        LiveRun a = run("a");
        listener.onJobStart(jobStart(1, "a", stage(1, 0, 3)));
        listener.onStageSubmitted(submitted(stage(1, 0, 3)));
        for (int i = 0; i < 3; i++) {
            listener.onTaskStart(new SparkListenerTaskStart(1, 0, task(i, 0, "1")));
        }
        taskEnd(1, 0, 0, 100, Success$.MODULE$, metrics(0, 0, 0));
        listener.onStageCompleted(completed(stage(1, 0, 3), "Job 1 cancelled"));
        // The action threw; the engine finished the run before Spark's last events came through.
        a.finish(RunStatus.CANCELLED, Instant.now(), new RunError("CANCELLED", "by user"), null, List.of(), List.of());
        snapshot(a);
        taskEnd(1, 0, 1, 150, killed(), null);
        listener.onJobEnd(new SparkListenerJobEnd(1, 3_000, jobFailed()));
        taskEnd(1, 0, 2, 160, killed(), metrics(0, 0, 0));

        RunSnapshot s = snapshot(a);
        assertThat(s.status()).as("a late event never reopens a run").isEqualTo(RunStatus.CANCELLED);
        StageSnapshot stage = stage(s, 1, 0);
        assertThat(stage.status()).isEqualTo(StageStatus.FAILED);
        assertThat(stage.completedTasks()).isEqualTo(1);
        assertThat(stage.killedTasks()).isEqualTo(2);
        assertThat(stage.activeTasks()).isZero();
        assertThat(s.jobs()).singleElement().satisfies(j -> {
            assertThat(j.status()).isEqualTo(JobStatus.FAILED);
            assertThat(j.completedAt()).isEqualTo(Instant.ofEpochMilli(3_000));
        });
    }

    @Test
    void a_retried_stage_is_a_new_attempt_of_the_same_job() {
        LiveRun a = run("a");
        listener.onJobStart(jobStart(1, "a", stage(5, 0, 2), stage(6, 0, 2)));
        listener.onStageSubmitted(submitted(stage(5, 0, 2)));
        taskEnd(5, 0, 0, 10, Success$.MODULE$, metrics(0, 100, 0));
        taskEnd(5, 0, 1, 10, Success$.MODULE$, metrics(0, 100, 0));
        listener.onStageCompleted(completed(stage(5, 0, 2), null));
        listener.onStageSubmitted(submitted(stage(6, 0, 2)));
        taskEnd(6, 0, 0, 10, fetchFailed(), null);
        listener.onStageCompleted(completed(stage(6, 0, 2), "FetchFailed"));
        // The map stage reruns the lost output as attempt 1, then the reduce stage as attempt 1.
        listener.onStageSubmitted(submitted(stage(5, 1, 1)));
        taskEnd(5, 1, 1, 12, Success$.MODULE$, metrics(0, 100, 0));
        listener.onStageCompleted(completed(stage(5, 1, 1), null));
        listener.onStageSubmitted(submitted(stage(6, 1, 2)));
        taskEnd(6, 0, 1, 30, Success$.MODULE$, metrics(100, 0, 0)); // a zombie of attempt 0
        taskEnd(6, 1, 0, 20, Success$.MODULE$, metrics(100, 0, 0));
        taskEnd(6, 1, 1, 20, Success$.MODULE$, metrics(100, 0, 0));
        listener.onStageCompleted(completed(stage(6, 1, 2), null));
        listener.onJobEnd(new SparkListenerJobEnd(1, 9_000, JobSucceeded$.MODULE$));

        RunSnapshot s = snapshot(a);
        assertThat(s.stages())
                .extracting(StageSnapshot::stageId, StageSnapshot::attemptId, StageSnapshot::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(5, 0, StageStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(5, 1, StageStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(6, 0, StageStatus.FAILED),
                        org.assertj.core.groups.Tuple.tuple(6, 1, StageStatus.COMPLETE));
        assertThat(s.stages()).allSatisfy(st -> assertThat(st.jobIds()).containsExactly(1));
        assertThat(stage(s, 6, 0).failedTasks()).isEqualTo(1);
        assertThat(stage(s, 6, 0).completedTasks()).isEqualTo(1);
        assertThat(stage(s, 6, 0).failureReason()).isEqualTo("FetchFailed");
        assertThat(stage(s, 6, 1).completedTasks()).isEqualTo(2);
        assertThat(stage(s, 6, 1).shuffleReadBytes()).isEqualTo(200);
        assertThat(stage(s, 5, 1).numTasks()).isEqualTo(1);
        assertThat(s.stages()).noneMatch(st -> st.status() == StageStatus.SKIPPED);
        assertThat(stage(s, 6, 0).slowestTasks())
                .extracting(TaskSummary::status)
                .contains(TaskOutcome.FETCH_FAILED);
    }

    @Test
    void stages_a_job_listed_but_never_ran_are_skipped() {
        LiveRun a = run("a");
        // AQE: the final job lists the map stage an earlier job already ran under a new stage id.
        listener.onJobStart(jobStart(1, "a", stage(1, 0, 4)));
        listener.onStageSubmitted(submitted(stage(1, 0, 4)));
        listener.onStageCompleted(completed(stage(1, 0, 4), null));
        listener.onJobEnd(new SparkListenerJobEnd(1, 1_000, JobSucceeded$.MODULE$));
        listener.onJobStart(jobStart(2, "a", stage(2, 0, 4), stage(3, 0, 8)));
        listener.onStageSubmitted(submitted(stage(3, 0, 8)));
        listener.onStageCompleted(completed(stage(3, 0, 8), null));
        listener.onJobEnd(new SparkListenerJobEnd(2, 2_000, JobSucceeded$.MODULE$));

        RunSnapshot s = snapshot(a);
        assertThat(stage(s, 2, 0).status()).isEqualTo(StageStatus.SKIPPED);
        assertThat(stage(s, 3, 0).status()).isEqualTo(StageStatus.COMPLETE);
        assertThat(stage(s, 1, 0).status()).isEqualTo(StageStatus.COMPLETE);
        assertThat(s.stageAttempts(StageStatus.SKIPPED)).isEqualTo(1);
    }

    @Test
    void every_stage_keeps_sparks_parent_ids_as_the_edges_of_the_stage_graph() {
        LiveRun a = run("a");
        // A join: two map stages feed the result stage. Then a second job re-lists a map stage whose
        // output exists (skipped) under the stage that reads it.
        listener.onJobStart(jobStart(1, "a", stage(0, 0, 2), stage(1, 0, 2), stage(2, 0, 4, 0, 1)));
        listener.onStageSubmitted(submitted(stage(0, 0, 2)));
        listener.onStageSubmitted(submitted(stage(1, 0, 2)));
        listener.onStageSubmitted(submitted(stage(2, 0, 4, 0, 1)));
        listener.onJobEnd(new SparkListenerJobEnd(1, 1_000, JobSucceeded$.MODULE$));
        listener.onJobStart(jobStart(2, "a", stage(3, 0, 2), stage(4, 0, 1, 3)));
        listener.onStageSubmitted(submitted(stage(4, 0, 1, 3)));
        // A retried attempt is announced by its submission alone; it keeps its parents.
        listener.onStageSubmitted(submitted(stage(4, 1, 1, 3)));
        listener.onJobEnd(new SparkListenerJobEnd(2, 2_000, JobSucceeded$.MODULE$));

        RunSnapshot s = snapshot(a);
        assertThat(s.stages())
                .extracting(StageSnapshot::stageId, StageSnapshot::attemptId, StageSnapshot::parentIds)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, 0, List.of()),
                        org.assertj.core.groups.Tuple.tuple(1, 0, List.of()),
                        org.assertj.core.groups.Tuple.tuple(2, 0, List.of(0, 1)),
                        org.assertj.core.groups.Tuple.tuple(3, 0, List.of()),
                        org.assertj.core.groups.Tuple.tuple(4, 0, List.of(3)),
                        org.assertj.core.groups.Tuple.tuple(4, 1, List.of(3)));
        assertThat(stage(s, 3, 0).status()).isEqualTo(StageStatus.SKIPPED);
    }

    @Test
    void the_oldest_finished_runs_are_evicted_with_their_ids() {
        RunStore small = new RunStore(2);
        LabListener bus = new LabListener(small);
        LiveRun running = new LiveRun("r0", "x", "broken", "x", Map.of(), Map.of(), Instant.now());
        small.add(running);
        running.started(Instant.now());
        for (int i = 1; i <= 3; i++) {
            LiveRun run = new LiveRun("r" + i, "x", "broken", "x", Map.of(), Map.of(), Instant.now());
            small.add(run);
            bus.onJobStart(jobStart(i, "r" + i, stage(100 + i, 0, 1)));
            bus.onStageSubmitted(submitted(stage(100 + i, 0, 1)));
            run.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
        }
        small.add(new LiveRun("r4", "x", "broken", "x", Map.of(), Map.of(), Instant.now()));

        assertThat(small.find("r1")).as("oldest finished run evicted").isEmpty();
        assertThat(small.find("r0")).as("a running run is never evicted").isPresent();
        assertThat(small.find("r2")).isPresent();
        assertThat(small.find("r3")).isPresent();
        assertThat(small.byStage(101))
                .as("the evicted run's stage ids are forgotten")
                .isNull();
        assertThat(small.byJob(1)).isNull();
        assertThat(small.byStage(102)).isNotNull();
        // A straggling event of the evicted run is dropped without trouble.
        bus.onTaskEnd(new SparkListenerTaskEnd(
                101, 0, "ResultTask", Success$.MODULE$, task(0, 0, "1"), null, metrics(0, 0, 0)));
        assertThat(small.size()).isEqualTo(4);
    }

    @Test
    void distributions_slowest_tasks_executors_and_timeline_stay_bounded() {
        LiveRun a = run("a");
        int tasks = 5_000;
        listener.onJobStart(jobStart(1, "a", stage(1, 0, tasks)));
        listener.onStageSubmitted(submitted(stage(1, 0, tasks)));
        for (int i = 0; i < tasks; i++) {
            long duration = i == 4_321 ? 5_000 : 10 + i % 7;
            long read = i == 4_321 ? 1_000_000 : 1_000;
            TaskMetrics m = metrics(read, 0, 0);
            m.setPeakExecutionMemory(i == 17 ? 9_999 : 100);
            taskEnd(1, 0, i, duration, Success$.MODULE$, m, i % 2 == 0 ? "1" : "2");
        }
        listener.onStageCompleted(completed(stage(1, 0, tasks), null));

        RunSnapshot s = snapshot(a);
        StageSnapshot st = stage(s, 1, 0);
        assertThat(st.completedTasks()).isEqualTo(tasks);
        assertThat(st.taskDurationMs().count()).isEqualTo(tasks);
        assertThat(st.taskDurationMs().max()).isEqualTo(5_000);
        assertThat(st.taskDurationMs().min()).isEqualTo(10);
        assertThat(st.taskDurationMs().p50()).isBetween(12L, 14L);
        assertThat(st.taskShuffleReadBytes().maxOverMedian()).isGreaterThan(900);
        assertThat(st.taskDurationHistogram().bins().stream()
                        .mapToLong(Histogram.Bin::count)
                        .sum())
                .isEqualTo(tasks);
        assertThat(st.taskShuffleReadHistogram().bins()).isNotEmpty();
        assertThat(st.slowestTasks()).hasSize(LiveStage.SLOWEST_KEPT);
        assertThat(st.slowestTasks().get(0)).satisfies(t -> {
            assertThat(t.partition()).isEqualTo(4_321);
            assertThat(t.durationMs()).isEqualTo(5_000);
            assertThat(t.shuffleReadBytes()).isEqualTo(1_000_000);
            assertThat(t.executorId()).isEqualTo("2");
        });
        assertThat(st.peakExecutionMemory()).isEqualTo(9_999);
        assertThat(s.executors())
                .extracting(ExecutorSnapshot::executorId, ExecutorSnapshot::tasks)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("1", 2_500L),
                        org.assertj.core.groups.Tuple.tuple("2", 2_500L));
        assertThat(s.timeline()).hasSize(LiveRun.TIMELINE_CAP);
        assertThat(s.timeline())
                .allSatisfy(span -> assertThat(span.finishTime()).isGreaterThan(span.launchTime()));
    }

    @Test
    void executors_up_while_a_job_runs_are_the_runs_with_their_host_cores_and_removal() {
        listener.onExecutorAdded(executorAdded(100, "0", "10.0.0.5", 1));
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(200, "0", "gone before the run"));
        listener.onExecutorAdded(executorAdded(1_000, "1", "10.0.0.7", 2));
        listener.onExecutorAdded(executorAdded(1_100, "2", "10.0.0.8", 1));
        // The driver of a cluster: a block manager, no cores, no task.
        listener.onBlockManagerAdded(new SparkListenerBlockManagerAdded(
                900,
                org.apache.spark.storage.BlockManagerId$.MODULE$.apply("driver", "10.0.0.1", 4040, Option.empty()),
                100L << 20,
                Option.empty(),
                Option.empty()));
        LiveRun a = run("a");
        listener.onJobStart(jobStart(1, "a", stage(1, 0, 2)));
        listener.onStageSubmitted(submitted(stage(1, 0, 2)));
        taskEnd(1, 0, 0, 100, Success$.MODULE$, metrics(0, 0, 0), "1");
        listener.onExecutorAdded(executorAdded(12_000, "3", "10.0.0.9", 1));
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(15_000, "2", "Command exited with code 137"));
        taskEnd(
                1,
                0,
                1,
                100,
                new org.apache.spark.ExecutorLostFailure("2", true, Option.apply("Command exited with code 137")),
                null,
                "2");
        listener.onStageCompleted(completed(stage(1, 0, 2), null));
        listener.onJobEnd(new SparkListenerJobEnd(1, 20_000, JobSucceeded$.MODULE$));
        // Between two jobs of the run (dynamic allocation releases an idle executor any time).
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(22_000, "3", "Executor killed by driver."));
        a.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
        listener.onExecutorAdded(executorAdded(30_000, "4", "10.0.0.10", 1));
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(31_000, "1", "after the run"));

        RunSnapshot s = snapshot(a);
        assertThat(s.executors())
                .extracting(
                        ExecutorSnapshot::executorId,
                        ExecutorSnapshot::host,
                        ExecutorSnapshot::cores,
                        ExecutorSnapshot::tasks,
                        ExecutorSnapshot::failedTasks)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("1", "10.0.0.7", 2, 1L, 0L),
                        org.assertj.core.groups.Tuple.tuple("2", "10.0.0.8", 1, 1L, 1L),
                        org.assertj.core.groups.Tuple.tuple("3", "10.0.0.9", 1, 0L, 0L));
        assertThat(s.executors().get(0).addedAt()).isEqualTo(Instant.ofEpochMilli(1_000));
        assertThat(s.executors().get(0).removedAt())
                .as("removed after the run's jobs")
                .isNull();
        assertThat(s.executors().get(1)).satisfies(e -> {
            assertThat(e.removedAt()).isEqualTo(Instant.ofEpochMilli(15_000));
            assertThat(e.removedReason()).isEqualTo("Command exited with code 137");
        });
        assertThat(s.executors().get(2).addedAt()).isEqualTo(Instant.ofEpochMilli(12_000));
        assertThat(s.executors().get(2).removedAt())
                .as("removed between the run's jobs")
                .isEqualTo(Instant.ofEpochMilli(22_000));
        assertThat(s.timeline())
                .extracting(TaskSpan::executorId, TaskSpan::status)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("1", TaskOutcome.SUCCESS),
                        org.assertj.core.groups.Tuple.tuple("2", TaskOutcome.EXECUTOR_LOST));
    }

    private static SparkListenerExecutorAdded executorAdded(long time, String id, String host, int cores) {
        return new SparkListenerExecutorAdded(
                time, id, new ExecutorInfo(host, cores, scala.collection.immutable.Map$.MODULE$.empty()));
    }

    @Test
    void plans_are_captured_at_start_and_on_every_aqe_update_and_the_last_is_final() {
        LiveRun a = run("a");
        listener.onOtherEvent(sqlStart(7, "a", plan("SortMergeJoin")));
        listener.onOtherEvent(new SparkListenerSQLAdaptiveExecutionUpdate(7, "plan v1", plan("SortMergeJoin")));
        listener.onOtherEvent(new SparkListenerSQLAdaptiveExecutionUpdate(7, "plan v2", plan("BroadcastHashJoin")));
        listener.onOtherEvent(new SparkListenerSQLExecutionEnd(7, 5_000, Option.empty(), Option.empty()));
        listener.onOtherEvent(sqlStart(8, "someone-else", plan("Sort")));
        a.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());

        RunSnapshot s = snapshot(a);
        assertThat(s.sql()).singleElement().satisfies(sql -> {
            assertThat(sql.executionId()).isEqualTo(7);
            assertThat(sql.plans())
                    .extracting(PlanVersion::cause)
                    .containsExactly(PlanCause.INITIAL, PlanCause.AQE_UPDATE, PlanCause.AQE_UPDATE, PlanCause.FINAL);
            assertThat(sql.finalPlan().orElseThrow().tree().children().get(0).nodeName())
                    .isEqualTo("BroadcastHashJoin");
            assertThat(sql.finishedAt()).isEqualTo(Instant.ofEpochMilli(5_000));
        });
        assertThat(store.byExecution(8)).isNull();
    }

    // ---- synthetic events ----

    private LiveRun run(String id) {
        LiveRun run = new LiveRun(id, "x", "broken", "x / broken", Map.of(), Map.of(), Instant.now());
        store.add(run);
        run.started(Instant.now());
        return run;
    }

    private static RunSnapshot snapshot(LiveRun run) {
        run.publishIfDirty();
        return run.snapshot();
    }

    private static StageSnapshot stage(RunSnapshot s, int stageId, int attempt) {
        return s.stages().stream()
                .filter(st -> st.stageId() == stageId && st.attemptId() == attempt)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + stageId + "." + attempt + " in " + s.stages()));
    }

    static StageInfo stage(int id, int attempt, int tasks, Integer... parents) {
        return new StageInfo(
                id,
                attempt,
                "stage " + id,
                tasks,
                seq(List.of()),
                seq(List.<Object>of((Object[]) parents)),
                "details",
                null,
                seq(List.of()),
                Option.empty(),
                0,
                false,
                0);
    }

    private static SparkListenerStageSubmitted submitted(StageInfo info) {
        info.submissionTime_$eq(Option.apply(1_000L));
        return new SparkListenerStageSubmitted(info, new Properties());
    }

    private static SparkListenerStageCompleted completed(StageInfo info, String failure) {
        info.submissionTime_$eq(Option.apply(1_000L));
        info.completionTime_$eq(Option.apply(2_000L));
        if (failure != null) {
            info.failureReason_$eq(Option.apply(failure));
        }
        return new SparkListenerStageCompleted(info);
    }

    private static SparkListenerJobStart jobStart(int jobId, String runId, StageInfo... stages) {
        Properties p = new Properties();
        p.setProperty("spark.jobGroup.id", runId);
        p.setProperty(LabListener.RUN_PROPERTY, runId);
        return new SparkListenerJobStart(jobId, 500, seq(List.of(stages)), p);
    }

    private TaskInfo task(int index, long duration, String executor) {
        TaskInfo info = new TaskInfo(
                ++taskIds, index, 0, index, 10_000, executor, "localhost", TaskLocality.PROCESS_LOCAL(), false);
        if (duration > 0) {
            info.markFinished(TaskState$.MODULE$.FINISHED(), 10_000 + duration);
        }
        return info;
    }

    private void taskEnd(int stage, int attempt, int index, long duration, TaskEndReason reason, TaskMetrics m) {
        taskEnd(stage, attempt, index, duration, reason, m, "1");
    }

    private void taskEnd(
            int stage, int attempt, int index, long duration, TaskEndReason reason, TaskMetrics m, String executor) {
        listener.onTaskEnd(new SparkListenerTaskEnd(
                stage, attempt, "ShuffleMapTask", reason, task(index, duration, executor), null, m));
    }

    static TaskMetrics metrics(long shuffleRead, long shuffleWrite, long spill) {
        TaskMetrics m = TaskMetrics.empty();
        m.setExecutorRunTime(5);
        TempShuffleReadMetrics read = m.createTempShuffleReadMetrics();
        read.incLocalBytesRead(shuffleRead / 2);
        read.incRemoteBytesRead(shuffleRead - shuffleRead / 2);
        m.mergeShuffleReadMetrics();
        m.shuffleWriteMetrics().incBytesWritten(shuffleWrite);
        m.incMemoryBytesSpilled(spill);
        m.incDiskBytesSpilled(spill / 2);
        return m;
    }

    private static TaskKilled killed() {
        return new TaskKilled("Stage cancelled", seq(List.of()), seq(List.of()), seq(List.of()));
    }

    private static FetchFailed fetchFailed() {
        return new FetchFailed(
                org.apache.spark.storage.BlockManagerId$.MODULE$.apply("1", "localhost", 7337, Option.empty()),
                0,
                1L,
                1,
                0,
                "shuffle file lost");
    }

    private static org.apache.spark.scheduler.JobResult jobFailed() {
        return new org.apache.spark.scheduler.JobFailed(new RuntimeException("cancelled"));
    }

    private static SparkListenerSQLExecutionStart sqlStart(long id, String runId, SparkPlanInfo plan) {
        return new SparkListenerSQLExecutionStart(
                id,
                Option.empty(),
                "query",
                "details",
                "plan text",
                plan,
                1_000,
                scala.collection.immutable.Map$.MODULE$.empty(),
                scala.collection.immutable.Set$.MODULE$.empty(),
                Option.apply(runId),
                Option.empty());
    }

    private static SparkPlanInfo plan(String join) {
        SparkPlanInfo leaf = new SparkPlanInfo(
                "Range", "Range (0, 10, step=1, splits=1)", seq(List.of()), emptyMap(), seq(List.of()));
        SparkPlanInfo joinNode =
                new SparkPlanInfo(join, join + " [id#1L]", seq(List.of(leaf)), emptyMap(), seq(List.of()));
        return new SparkPlanInfo(
                "AdaptiveSparkPlan",
                "AdaptiveSparkPlan isFinalPlan=false",
                seq(List.of(joinNode)),
                emptyMap(),
                seq(List.of()));
    }

    private static <K, V> scala.collection.immutable.Map<K, V> emptyMap() {
        return scala.collection.immutable.Map$.MODULE$.empty();
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toSeq();
    }
}
