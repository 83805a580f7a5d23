package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.PlanNode.PlanMetric;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.Histogram;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.PlanCause;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.Quantiles;
import dev.breaklab.run.RunError;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.StateOperatorSnapshot;
import dev.breaklab.run.TaskPhases;
import dev.breaklab.run.TaskSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Synthetic snapshots and plans for rule tests: no Spark, every figure chosen by the test. */
final class Snapshots {

    private Snapshots() {}

    static final class Stage {
        int stageId;
        int attemptId;
        StageStatus status = StageStatus.COMPLETE;
        List<Integer> parentIds = List.of();
        int numTasks = 8;
        int failedTasks;
        int killedTasks;
        Long durationMs = 1_000L;
        long inputBytes;
        long inputRecords;
        long shuffleReadBytes;
        long shuffleRemoteBytesRead;
        long shuffleReadRecords;
        long shuffleWriteBytes;
        long shuffleWriteRecords;
        long memorySpilled;
        long diskSpilled;
        long gcTimeMs;
        long executorRunTimeMs = 1_000;
        long peakExecutionMemory;
        Quantiles durations = new Quantiles(8, 100, 100, 100, 100, 100);
        Quantiles reads = Quantiles.EMPTY;
        List<TaskSummary> slowest = List.of();
        String failureReason;
        long resultSize;
        TaskPhases phases = TaskPhases.NONE;

        Stage(int stageId) {
            this.stageId = stageId;
        }

        StageSnapshot build() {
            return new StageSnapshot(
                    stageId,
                    attemptId,
                    "stage " + stageId,
                    status,
                    List.of(0),
                    parentIds,
                    numTasks,
                    numTasks - failedTasks - killedTasks,
                    failedTasks,
                    killedTasks,
                    0,
                    Instant.EPOCH,
                    Instant.EPOCH,
                    durationMs,
                    inputBytes,
                    inputRecords,
                    0,
                    shuffleReadBytes,
                    shuffleRemoteBytesRead,
                    shuffleReadRecords,
                    shuffleWriteBytes,
                    shuffleWriteRecords,
                    memorySpilled,
                    diskSpilled,
                    gcTimeMs,
                    executorRunTimeMs,
                    peakExecutionMemory,
                    durations,
                    reads,
                    new Histogram(List.of()),
                    new Histogram(List.of()),
                    slowest,
                    failureReason,
                    resultSize,
                    phases);
        }
    }

    static Stage stage(int id) {
        return new Stage(id);
    }

    static Quantiles q(long count, long median, long max) {
        return new Quantiles(count, Math.min(median, max), median, median, median, max);
    }

    static final class Run {
        RunStatus status = RunStatus.SUCCEEDED;
        String variant = "broken";
        Map<String, String> conf = new LinkedHashMap<>();
        RunError error;
        List<StageSnapshot> stages = new ArrayList<>();
        List<JobSnapshot> jobs = new ArrayList<>();
        List<SqlSnapshot> sql = new ArrayList<>();
        List<BatchSnapshot> batches = new ArrayList<>();
        Map<String, Long> measurements = new LinkedHashMap<>();
        Instant startedAt = Instant.EPOCH;
        Instant finishedAt = Instant.EPOCH;

        /** The run's wall-clock window, from start to end. */
        Run window(Instant start, Instant end) {
            startedAt = start;
            finishedAt = end;
            return this;
        }

        /** A job that ran from {@code from} to {@code to}, outside any SQL execution. */
        Run job(int jobId, Instant from, Instant to) {
            jobs.add(new JobSnapshot(jobId, JobStatus.SUCCEEDED, List.of(jobId), null, from, to));
            return this;
        }

        /** One micro-batch with a single state operator. */
        Run batch(
                long id,
                long inputRows,
                double inRate,
                double processedRate,
                String watermark,
                long stateRows,
                long stateRemoved,
                long dropped) {
            batches.add(new BatchSnapshot(
                    "q",
                    "r",
                    "query",
                    id,
                    Instant.EPOCH,
                    inputRows,
                    inRate,
                    processedRate,
                    1_000,
                    Map.of(),
                    watermark,
                    List.of(new StateOperatorSnapshot(
                            "dedupe", stateRows, 0, stateRemoved, stateRows * 100, dropped, 200, 200)),
                    -1,
                    List.of(),
                    List.of()));
            return this;
        }

        Run stage(Stage stage) {
            stages.add(stage.build());
            return this;
        }

        Run conf(String key, String value) {
            conf.put(key, value);
            return this;
        }

        Run job(int jobId, Long executionId, Integer... stageIds) {
            jobs.add(new JobSnapshot(
                    jobId, JobStatus.SUCCEEDED, List.of(stageIds), executionId, Instant.EPOCH, Instant.EPOCH));
            return this;
        }

        /** One SQL execution: the initial plan, then any later versions (the last one is final). */
        Run sql(long executionId, PlanNode initial, PlanNode... later) {
            List<PlanVersion> versions = new ArrayList<>();
            versions.add(new PlanVersion(0, PlanCause.INITIAL, Instant.EPOCH, initial, "initial"));
            for (int i = 0; i < later.length; i++) {
                versions.add(new PlanVersion(
                        i + 1,
                        i == later.length - 1 ? PlanCause.FINAL : PlanCause.AQE_UPDATE,
                        Instant.EPOCH,
                        later[i],
                        "v" + (i + 1)));
            }
            sql.add(new SqlSnapshot(executionId, "query", Instant.EPOCH, Instant.EPOCH, versions, null));
            return this;
        }

        Run failed(String errorClass, String message) {
            status = RunStatus.FAILED;
            error = new RunError(errorClass, message);
            return this;
        }

        RunSnapshot build() {
            return new RunSnapshot(
                    "run-1",
                    "some-experiment",
                    variant,
                    "some-experiment / " + variant,
                    Map.of(),
                    conf,
                    status,
                    Instant.EPOCH,
                    startedAt,
                    finishedAt,
                    1_000L,
                    error,
                    null,
                    jobs,
                    stages,
                    sql,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    batches,
                    List.of(),
                    measurements,
                    null,
                    RunSnapshot.SOURCE_LAB);
        }
    }

    static Run run() {
        return new Run();
    }

    static PlanNode node(String name, String simpleString, PlanNode... children) {
        return new PlanNode(name, simpleString, List.of(), List.of(children));
    }

    static PlanNode node(String name, PlanNode... children) {
        return node(name, name, children);
    }

    /** A node with SQL metric values, given as name/value pairs in Spark's formatting. */
    static PlanNode measured(String name, String simpleString, Map<String, String> metrics, PlanNode... children) {
        List<PlanMetric> list = new ArrayList<>();
        long id = 1;
        for (Map.Entry<String, String> m : metrics.entrySet()) {
            list.add(new PlanMetric(m.getKey(), id++, "sum", m.getValue()));
        }
        return new PlanNode(name, simpleString, list, List.of(children));
    }

    static Subject subject(RunSnapshot run) {
        return new Subject(run, 2, 16L << 20);
    }
}
