package dev.breaklab.telemetry;

import dev.breaklab.run.RunError;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.Success$;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.scheduler.JobFailed;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEnvironmentUpdate;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerLogStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SQLPlanMetric;
import org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveSQLMetricUpdates;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Routes a replayed application's events into imported runs and hands them to the lab's own {@link
 * LabListener}, exactly as live events reach it: one run per SQL execution (a nested execution joins
 * its root's run) and one per job group for jobs outside SQL (a job with neither is a run of its
 * own). It only tells the listener which run an event belongs to, the way the engine does for live
 * runs: the run id as the job's local property and as the SQL execution's job group. Per-operator
 * SQL metric values are summed from task-end and driver accumulator updates ({@link SqlMetricTotals}).
 */
final class ImportRouter extends SparkListener {

    private static final Pattern ERROR_CLASS = Pattern.compile("^\\[([A-Z][A-Z0-9_.]+)]");

    private final String importId;
    private final int maxRuns;
    private final RunStore store = new RunStore(Integer.MAX_VALUE);
    /** The lab's listener; an AQE re-plan (an event without a time) happened at the last time seen. */
    private final LabListener lab = new LabListener(store) {
        @Override
        long now() {
            return lastEventTime;
        }
    };

    private final SqlMetricTotals metrics = new SqlMetricTotals();
    private final Map<String, Imported> byKey = new LinkedHashMap<>();
    private final Map<Long, Imported> byExecution = new HashMap<>();
    private final Map<Integer, Imported> byJob = new HashMap<>();
    private final Map<Long, List<Long>> metricIds = new HashMap<>();
    private final Map<String, Integer> executorCores = new HashMap<>();
    private final Map<String, String> appConf = new TreeMap<>();
    private int peakCores;
    private int skippedRuns;
    private long lastEventTime;
    private String sparkVersion;
    private String appId;
    private String appName;
    private String user;

    ImportRouter(String importId, int maxRuns) {
        this.importId = importId;
        this.maxRuns = maxRuns;
    }

    /** What the log says about its application. */
    record App(String appId, String appName, String sparkVersion, String user, int cores, long maxResultSizeBytes) {}

    App app() {
        int cores = peakCores;
        if (cores <= 0) {
            Matcher local = Pattern.compile("local\\[(\\d+)").matcher(appConf.getOrDefault("spark.master", ""));
            cores = local.find() ? Integer.parseInt(local.group(1)) : 1;
        }
        long maxResult;
        try {
            maxResult = JavaUtils.byteStringAsBytes(appConf.getOrDefault("spark.driver.maxResultSize", "1g"));
        } catch (RuntimeException e) {
            maxResult = 1L << 30;
        }
        return new App(appId, appName, sparkVersion, user, cores, maxResult);
    }

    int skippedRuns() {
        return skippedRuns;
    }

    int runCount() {
        return byKey.size();
    }

    // ---- application

    @Override
    public void onApplicationStart(SparkListenerApplicationStart event) {
        appName = event.appName();
        appId = event.appId().isDefined() ? event.appId().get() : null;
        user = event.sparkUser();
        seen(event.time());
    }

    @Override
    public void onEnvironmentUpdate(SparkListenerEnvironmentUpdate event) {
        Option<scala.collection.Seq<Tuple2<String, String>>> props =
                event.environmentDetails().get("Spark Properties");
        if (props.isDefined()) {
            for (Tuple2<String, String> p : CollectionConverters.asJava(props.get())) {
                if (kept(p._1())) {
                    appConf.put(p._1(), p._2());
                }
            }
        }
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded event) {
        executorCores.put(event.executorId(), event.executorInfo().totalCores());
        peakCores = Math.max(
                peakCores,
                executorCores.values().stream().mapToInt(Integer::intValue).sum());
        seen(event.time());
        lab.onExecutorAdded(event);
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        executorCores.remove(event.executorId());
        seen(event.time());
        lab.onExecutorRemoved(event);
    }

    // ---- jobs, stages, tasks

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        Properties props = event.properties() == null ? new Properties() : event.properties();
        String execution = props.getProperty("spark.sql.execution.id");
        String group = props.getProperty("spark.jobGroup.id");
        Imported run;
        if (execution != null) {
            long id = Long.parseLong(execution.trim());
            run = byExecution.get(id);
            if (run == null) {
                run = create("sql:" + id, description(props, "SQL execution " + id), event.time(), Map.of());
                if (run != null) {
                    run.executions.add(id);
                    byExecution.put(id, run);
                }
            }
        } else {
            String key = group != null ? "group:" + group : "job:" + event.jobId();
            run = byKey.get(key);
            if (run == null) {
                run = create(
                        key,
                        description(props, group != null ? "job group " + group : "job " + event.jobId()),
                        event.time(),
                        Map.of());
            }
        }
        seen(event.time());
        if (run == null) {
            return;
        }
        byJob.put(event.jobId(), run);
        props.setProperty(LabListener.RUN_PROPERTY, run.live.id());
        lab.onJobStart(
                event.properties() == props
                        ? event
                        : new SparkListenerJobStart(event.jobId(), event.time(), event.stageInfos(), props));
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        seen(event.time());
        Imported run = byJob.get(event.jobId());
        if (run == null) {
            return;
        }
        run.end = Math.max(run.end, event.time());
        if (event.jobResult() instanceof JobFailed failed && run.error == null) {
            run.error = error(
                    failed.exception() == null
                            ? "job " + event.jobId() + " failed"
                            : failed.exception().getMessage());
        }
        lab.onJobEnd(event);
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        if (event.stageInfo().submissionTime().isDefined()) {
            seen((Long) event.stageInfo().submissionTime().get());
        }
        if (store.byStage(event.stageInfo().stageId()) != null) {
            metrics.stageSubmitted(
                    event.stageInfo().stageId(),
                    event.stageInfo().attemptNumber(),
                    event.stageInfo().numTasks());
        }
        lab.onStageSubmitted(event);
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted event) {
        if (event.stageInfo().completionTime().isDefined()) {
            seen((Long) event.stageInfo().completionTime().get());
        }
        lab.onStageCompleted(event);
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
        lab.onTaskStart(event);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        if (event.taskInfo() != null) {
            seen(event.taskInfo().finishTime());
        }
        if (store.byStage(event.stageId()) == null) {
            return;
        }
        lab.onTaskEnd(event);
        if (event.reason() == Success$.MODULE$ && event.taskInfo() != null) {
            metrics.taskEnded(
                    event.stageId(),
                    event.stageAttemptId(),
                    event.taskInfo().taskId(),
                    event.taskInfo().accumulables());
        }
    }

    // ---- SQL

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionStart start) {
            sqlStarted(start);
        } else if (event instanceof SparkListenerSQLAdaptiveExecutionUpdate update) {
            if (byExecution.containsKey(update.executionId())) {
                register(update.executionId(), update.sparkPlanInfo());
                lab.onOtherEvent(update);
            }
        } else if (event instanceof SparkListenerSQLAdaptiveSQLMetricUpdates updates) {
            List<Long> ids = metricIds.get(updates.executionId());
            if (ids != null) {
                for (SQLPlanMetric m : CollectionConverters.asJava(updates.sqlPlanMetrics())) {
                    metrics.register(m.accumulatorId(), m.metricType());
                    ids.add(m.accumulatorId());
                }
            }
        } else if (event instanceof SparkListenerDriverAccumUpdates updates) {
            if (byExecution.containsKey(updates.executionId())) {
                metrics.driverUpdates(updates.accumUpdates());
            }
        } else if (event instanceof SparkListenerSQLExecutionEnd end) {
            sqlEnded(end);
        } else if (event instanceof SparkListenerLogStart logStart) {
            sparkVersion = logStart.sparkVersion();
        }
    }

    private void sqlStarted(SparkListenerSQLExecutionStart start) {
        seen(start.time());
        long id = start.executionId();
        long root = start.rootExecutionId().isDefined()
                ? ((Number) start.rootExecutionId().get()).longValue()
                : id;
        Imported run = root != id ? byExecution.get(root) : null;
        if (run == null) {
            run = byExecution.get(id);
        }
        if (run == null) {
            String what = start.description() == null || start.description().isBlank()
                    ? "SQL execution " + id
                    : "SQL " + id + ": " + start.description();
            run = create("sql:" + id, what, start.time(), CollectionConverters.asJava(start.modifiedConfigs()));
            if (run == null) {
                return;
            }
        }
        run.executions.add(id);
        run.hasSql = true;
        run.openSql++;
        byExecution.put(id, run);
        metricIds.put(id, new ArrayList<>());
        register(id, start.sparkPlanInfo());
        lab.onOtherEvent(new SparkListenerSQLExecutionStart(
                id,
                start.rootExecutionId(),
                start.description(),
                start.details(),
                start.physicalPlanDescription(),
                start.sparkPlanInfo(),
                start.time(),
                start.modifiedConfigs(),
                start.jobTags(),
                Option.apply(run.live.id()),
                start.queryId()));
    }

    private void sqlEnded(SparkListenerSQLExecutionEnd end) {
        seen(end.time());
        Imported run = byExecution.get(end.executionId());
        if (run == null) {
            return;
        }
        run.end = Math.max(run.end, end.time());
        run.openSql--;
        if (end.errorMessage().isDefined() && !end.errorMessage().get().isBlank() && run.error == null) {
            run.error = error(end.errorMessage().get());
        }
        lab.onOtherEvent(end);
        // Spark's own SQL listener aggregates an execution's metrics when it ends; so does the lab.
        List<Long> ids = metricIds.remove(end.executionId());
        if (ids != null) {
            run.metricValues.put(end.executionId(), metrics.values(ids));
            metrics.forget(ids);
        }
    }

    private void register(long executionId, SparkPlanInfo plan) {
        List<Long> ids = metricIds.computeIfAbsent(executionId, k -> new ArrayList<>());
        collect(plan, ids);
        metrics.register(plan);
    }

    private static void collect(SparkPlanInfo plan, List<Long> ids) {
        for (SQLMetricInfo m : CollectionConverters.asJava(plan.metrics())) {
            ids.add(m.accumulatorId());
        }
        for (SparkPlanInfo child : CollectionConverters.asJava(plan.children())) {
            collect(child, ids);
        }
    }

    // ---- runs

    private Imported create(String key, String description, long time, Map<String, String> modifiedConfigs) {
        if (byKey.size() >= maxRuns) {
            skippedRuns++;
            return null;
        }
        Map<String, String> conf = new TreeMap<>(appConf);
        modifiedConfigs.forEach((k, v) -> {
            if (kept(k)) {
                conf.put(k, v);
            }
        });
        String label = (appName == null ? "" : appName + " · ") + description;
        if (label.length() > 300) {
            label = label.substring(0, 297) + "...";
        }
        Instant at = Instant.ofEpochMilli(time > 0 ? time : Math.max(lastEventTime, 0));
        LiveRun live = new LiveRun(
                UUID.randomUUID().toString().substring(0, 8), "import", importId, label, Map.of(), conf, at);
        live.source(RunSnapshot.SOURCE_IMPORT);
        live.started(at);
        store.add(live);
        Imported run = new Imported(live);
        byKey.put(key, run);
        return run;
    }

    /**
     * Ends every run: its SQL metric values attached to its final plans, its status from what the
     * log says (a query still open when a log in progress ends is reported, not invented).
     */
    List<LiveRun> finish(boolean logCompleted) {
        List<LiveRun> out = new ArrayList<>();
        for (Imported run : byKey.values()) {
            for (long execution : run.executions) {
                List<Long> ids = metricIds.remove(execution);
                Map<Long, String> values = run.metricValues.get(execution);
                if (values == null && ids != null) {
                    values = metrics.values(ids);
                }
                if (values != null && !values.isEmpty()) {
                    run.live.finalMetricValues(execution, values);
                }
            }
            RunStatus status = RunStatus.SUCCEEDED;
            RunError error = run.error;
            if (error != null) {
                status = RunStatus.FAILED;
            } else if (run.openSql > 0 || run.live.hasRunningJobs()) {
                status = RunStatus.FAILED;
                error = new RunError(
                        "INCOMPLETE_EVENT_LOG",
                        logCompleted
                                ? "the event log has no end for this query or some of its jobs"
                                : "the event log (still being written) ends before this query finished");
            }
            long end = run.end > 0 ? run.end : lastEventTime;
            // No experiment, so no evidence or predictions to judge; the findings come with publishing.
            run.live.finish(status, Instant.ofEpochMilli(Math.max(end, 0)), error, null, List.of(), List.of());
            out.add(run.live);
        }
        return out;
    }

    private void seen(long time) {
        if (time > lastEventTime) {
            lastEventTime = time;
        }
    }

    private static RunError error(String message) {
        String text = message == null ? "" : message;
        int cut = text.indexOf("\n\tat ");
        if (cut > 0) {
            text = text.substring(0, cut);
        }
        if (text.length() > 4_000) {
            text = text.substring(0, 4_000) + " ...";
        }
        Matcher m = ERROR_CLASS.matcher(text);
        return new RunError(m.find() ? m.group(1) : "SparkException", text);
    }

    private static boolean kept(String key) {
        return key.startsWith("spark.sql.")
                || key.equals("spark.master")
                || key.equals("spark.driver.maxResultSize")
                || key.equals("spark.default.parallelism")
                || key.startsWith("spark.executor.")
                        && (key.endsWith(".memory") || key.endsWith(".cores") || key.endsWith(".instances"));
    }

    private static String description(Properties props, String fallback) {
        String d = props.getProperty("spark.job.description");
        return d == null || d.isBlank() ? fallback : d;
    }

    /** One imported run while the log replays. */
    private static final class Imported {
        final LiveRun live;
        final java.util.Set<Long> executions = new java.util.LinkedHashSet<>();
        final Map<Long, Map<Long, String>> metricValues = new HashMap<>();
        boolean hasSql;
        int openSql;
        long end;
        RunError error;

        Imported(LiveRun live) {
            this.live = live;
        }
    }
}
