package dev.breaklab.telemetry;

import dev.breaklab.run.EngineExecutor;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.telemetry.LiveRun.StageRef;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.Success$;
import org.apache.spark.TaskCommitDenied;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockManagerAdded;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The lab's one listener on Spark's bus. Attributes every event to a run (job group = run id; stage
 * and execution ids through the job that listed them) and applies it to the run's live state.
 * Runs on Spark's listener thread: O(1) per task event, no I/O, nothing a client can hold.
 */
public class LabListener extends SparkListener {

    public static final String RUN_PROPERTY = "breaklab.runId";
    /** Spark's StreamExecution.QUERY_ID_KEY and MicroBatchExecution.BATCH_ID_KEY. */
    static final String STREAM_QUERY_PROPERTY = "sql.streaming.queryId";

    static final String STREAM_BATCH_PROPERTY = "streaming.sql.batchId";

    private final RunStore store;
    private final LiveExecutors executors;
    /**
     * Runs that have started a job and not finished (only this listener's thread touches it): an
     * executor added or removed now belongs on their timelines, also between two of their jobs (dynamic
     * allocation releases an idle executor whenever its timeout ends). Executor events are rare; tasks
     * never look here. A finished run leaves at the next job start or executor event.
     */
    private final Set<LiveRun> withJobs = new LinkedHashSet<>();

    public LabListener(RunStore store) {
        this(store, new LiveExecutors());
    }

    public LabListener(RunStore store, LiveExecutors executors) {
        this.store = store;
        this.executors = executors;
    }

    /**
     * Executors registered before this listener was on the bus (a cluster's, while the engine
     * waited for them) come from Spark's status store once; later events keep them current.
     */
    public void catchUp(SparkContext sc) {
        for (ExecutorSummary summary :
                CollectionConverters.asJava(sc.statusStore().executorList(false))) {
            String host = summary.hostPort().replaceAll(":\\d+$", "");
            executors.added(
                    summary.id(), host, summary.totalCores(), summary.addTime().getTime());
            executors.blockManagerAdded(
                    summary.id(), host, summary.maxMemory(), summary.addTime().getTime());
            if (summary.removeTime().isDefined()) {
                executors.removed(
                        summary.id(),
                        summary.removeReason().isDefined()
                                ? summary.removeReason().get()
                                : null,
                        summary.removeTime().get().getTime());
            }
        }
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded event) {
        ExecutorInfo info = event.executorInfo();
        executors.added(event.executorId(), info.executorHost(), info.totalCores(), event.time());
        for (LiveRun run : runsWithJobs()) {
            run.executorUp(event.executorId(), info.executorHost(), info.totalCores(), event.time());
        }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        executors.removed(event.executorId(), event.reason(), event.time());
        for (LiveRun run : runsWithJobs()) {
            run.executorRemoved(event.executorId(), event.reason(), event.time());
        }
    }

    /** The runs with a job running; a run finished without its job ends (cancelled) is dropped. */
    private Set<LiveRun> runsWithJobs() {
        for (Iterator<LiveRun> it = withJobs.iterator(); it.hasNext(); ) {
            if (it.next().status().finished()) {
                it.remove();
            }
        }
        return withJobs;
    }

    @Override
    public void onBlockManagerAdded(SparkListenerBlockManagerAdded event) {
        executors.blockManagerAdded(
                event.blockManagerId().executorId(), event.blockManagerId().host(), event.maxMem(), event.time());
    }

    @Override
    public void onBlockUpdated(SparkListenerBlockUpdated event) {
        executors.blockUpdated(event.blockUpdatedInfo());
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate event) {
        for (ExecutorMetrics metrics :
                CollectionConverters.asJava(event.executorUpdates()).values()) {
            executors.metrics(event.execId(), metrics);
        }
    }

    @Override
    public void onStageExecutorMetrics(SparkListenerStageExecutorMetrics event) {
        executors.stageMetrics(event.execId(), event.executorMetrics());
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        LiveRun run = runOf(event.properties());
        if (run == null) {
            return;
        }
        List<StageRef> refs = new ArrayList<>();
        for (StageInfo info : CollectionConverters.asJava(event.stageInfos())) {
            refs.add(ref(info));
            store.attachStage(info.stageId(), run);
        }
        store.attachJob(event.jobId(), run);
        String execution =
                event.properties() == null ? null : event.properties().getProperty("spark.sql.execution.id");
        run.jobStarted(event.jobId(), event.time(), execution == null ? null : Long.valueOf(execution), refs);
        // The executors up now are this run's lane groups, also those that will get none of its tasks
        // (the driver of a cluster has no cores: it runs no task and gets no lane). O(executors) per job.
        runsWithJobs().add(run);
        for (EngineExecutor e : executors.snapshot()) {
            if (e.active() && e.cores() > 0) {
                run.executorUp(
                        e.executorId(),
                        e.host(),
                        e.cores(),
                        e.addedAt() == null ? 0 : e.addedAt().toEpochMilli());
            }
        }
        // A micro-batch's jobs carry the query id and batch id as local properties of the stream's thread.
        String queryId = event.properties() == null ? null : event.properties().getProperty(STREAM_QUERY_PROPERTY);
        String batchId = queryId == null ? null : event.properties().getProperty(STREAM_BATCH_PROPERTY);
        if (batchId != null) {
            List<Integer> stageIds = new ArrayList<>(refs.size());
            refs.forEach(ref -> stageIds.add(ref.stageId()));
            run.streamJob(queryId, Long.parseLong(batchId), event.jobId(), stageIds);
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        LiveRun run = store.byJob(event.jobId());
        if (run != null) {
            run.jobEnded(event.jobId(), event.time(), event.jobResult() == JobSucceeded$.MODULE$);
        }
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        StageInfo info = event.stageInfo();
        LiveRun run = store.byStage(info.stageId());
        if (run != null) {
            long submitted = info.submissionTime().isDefined()
                    ? (Long) info.submissionTime().get()
                    : 0L;
            run.stageSubmitted(ref(info), submitted);
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        StageInfo info = event.stageInfo();
        LiveRun run = store.byStage(info.stageId());
        if (run != null) {
            long completed = info.completionTime().isDefined()
                    ? (Long) info.completionTime().get()
                    : 0L;
            String failure =
                    info.failureReason().isDefined() ? info.failureReason().get() : null;
            run.stageCompleted(info.stageId(), info.attemptNumber(), completed, failure);
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
        executors.taskStarted(event.taskInfo().executorId());
        LiveRun run = store.byStage(event.stageId());
        if (run != null) {
            run.taskStarted(event.stageId(), event.stageAttemptId());
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        TaskOutcome outcome = outcome(event.reason());
        executors.taskEnded(event.taskInfo(), event.taskMetrics(), event.taskExecutorMetrics(), outcome);
        LiveRun run = store.byStage(event.stageId());
        if (run != null) {
            run.taskEnded(event.stageId(), event.stageAttemptId(), event.taskInfo(), event.taskMetrics(), outcome);
        }
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionStart start) {
            LiveRun run = start.jobGroupId().isDefined()
                    ? store.live(start.jobGroupId().get()).orElse(null)
                    : null;
            if (run != null) {
                store.attachExecution(start.executionId(), run);
                run.sqlStarted(
                        start.executionId(),
                        start.description(),
                        start.time(),
                        PlanTrees.from(start.sparkPlanInfo()),
                        start.physicalPlanDescription());
            }
        } else if (event instanceof SparkListenerSQLAdaptiveExecutionUpdate update) {
            LiveRun run = store.byExecution(update.executionId());
            if (run != null) {
                run.sqlPlanUpdated(
                        update.executionId(),
                        now(),
                        PlanTrees.from(update.sparkPlanInfo()),
                        update.physicalPlanDescription());
            }
        } else if (event instanceof SparkListenerSQLExecutionEnd end) {
            LiveRun run = store.byExecution(end.executionId());
            if (run != null) {
                run.sqlEnded(end.executionId(), end.time());
            }
        } else if (event instanceof RunDrained drained) {
            store.live(drained.runId()).ifPresent(LiveRun::markDrained);
        }
    }

    /** A stage as Spark describes it, with its parents: the edges of the run's stage graph. */
    private static StageRef ref(StageInfo info) {
        List<Integer> parents = new ArrayList<>(info.parentIds().size());
        for (Object parent : CollectionConverters.asJava(info.parentIds())) {
            parents.add((Integer) parent);
        }
        return new StageRef(info.stageId(), info.attemptNumber(), info.name(), info.numTasks(), parents);
    }

    /** When an event without a time of its own (an AQE re-plan) happened: now, live. */
    long now() {
        return System.currentTimeMillis();
    }

    private LiveRun runOf(Properties properties) {
        if (properties == null) {
            return null;
        }
        String id = properties.getProperty(RUN_PROPERTY);
        if (id == null) {
            id = properties.getProperty("spark.jobGroup.id");
        }
        return store.live(id).orElse(null);
    }

    static TaskOutcome outcome(TaskEndReason reason) {
        if (reason == Success$.MODULE$) {
            return TaskOutcome.SUCCESS;
        }
        // Spark's own status store counts a denied commit as a kill, not a failure.
        if (reason instanceof TaskKilled || reason instanceof TaskCommitDenied) {
            return TaskOutcome.KILLED;
        }
        String name = reason.getClass().getSimpleName().replace("$", "");
        return switch (name) {
            case "FetchFailed" -> TaskOutcome.FETCH_FAILED;
            case "ExecutorLostFailure" -> TaskOutcome.EXECUTOR_LOST;
            case "Resubmitted" -> TaskOutcome.RESUBMITTED;
            default -> TaskOutcome.FAILED;
        };
    }
}
