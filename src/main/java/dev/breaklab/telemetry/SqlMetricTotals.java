package dev.breaklab.telemetry;

import java.text.NumberFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.util.Utils;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-operator SQL metric values of a replayed log, in constant memory per metric. The SQL events
 * carry only the metrics' accumulator ids (in {@code sparkPlanInfo}); their values arrive as the
 * accumulator updates of task ends and {@code SparkListenerDriverAccumUpdates}, as in Spark's own
 * {@code SQLAppStatusListener}. That listener keeps every task's value until the query ends; here
 * sums, counts, minimum and maximum are exact and the median comes from the lab's log-linear
 * histogram (within about 6%), so a million-task stage costs a few KB per metric. The text is
 * Spark's {@code MetricUtils.stringValue} format, so {@code SparkMetricText} reads it like a live
 * run's.
 */
final class SqlMetricTotals {

    private final Map<Long, Metric> metrics = new HashMap<>();
    /** numTasks of each stage attempt: tasks that did not report a metric count as 0, as in Spark. */
    private final Map<Long, Integer> stageTasks = new HashMap<>();

    /** Registers the metrics of a plan (initial or an AQE re-plan) of an execution. */
    void register(SparkPlanInfo plan) {
        for (SQLMetricInfo m : CollectionConverters.asJava(plan.metrics())) {
            register(m.accumulatorId(), m.metricType());
        }
        for (SparkPlanInfo child : CollectionConverters.asJava(plan.children())) {
            register(child);
        }
    }

    void register(long accumulatorId, String type) {
        metrics.computeIfAbsent(accumulatorId, id -> new Metric(type));
    }

    boolean isEmpty() {
        return metrics.isEmpty();
    }

    void stageSubmitted(int stageId, int attemptId, int numTasks) {
        stageTasks.put(key(stageId, attemptId), numTasks);
    }

    /** The accumulator updates of one successful task. */
    void taskEnded(int stageId, int attemptId, long taskId, scala.collection.Iterable<AccumulableInfo> updates) {
        if (metrics.isEmpty()) {
            return;
        }
        long stage = key(stageId, attemptId);
        scala.collection.Iterator<AccumulableInfo> it = updates.iterator();
        while (it.hasNext()) {
            AccumulableInfo acc = it.next();
            Metric metric = metrics.get(acc.id());
            if (metric == null || acc.update().isEmpty()) {
                continue;
            }
            Long value = asLong(acc.update().get());
            if (value != null) {
                metric.task(value, stage, stageId, attemptId, taskId);
            }
        }
    }

    void driverUpdates(scala.collection.Seq<Tuple2<Object, Object>> updates) {
        for (Tuple2<Object, Object> update : CollectionConverters.asJava(updates)) {
            Metric metric = metrics.get(((Number) update._1()).longValue());
            Long value = asLong(update._2());
            if (metric != null && value != null) {
                metric.driver(value);
            }
        }
    }

    /** Spark's text of each metric of {@code ids} (a metric no task updated reads 0, as in Spark). */
    Map<Long, String> values(Iterable<Long> ids) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (long id : ids) {
            Metric metric = metrics.get(id);
            if (metric != null) {
                out.put(id, metric.text(stageTasks));
            }
        }
        return out;
    }

    /** Forgets the metrics of a finished execution (their text has been taken). */
    void forget(Iterable<Long> ids) {
        for (long id : ids) {
            metrics.remove(id);
        }
    }

    private static Long asLong(Object update) {
        if (update instanceof Number n) {
            return n.longValue();
        }
        if (update instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static long key(int stageId, int attemptId) {
        return ((long) stageId << 20) | attemptId;
    }

    /** One metric across every task (and driver update) that reported it. */
    private static final class Metric {
        final String type;
        boolean seen;
        long sum;
        long count;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        int maxStage = -1;
        int maxAttempt;
        long maxTask;
        ValueDistribution distribution;
        Map<Long, Integer> reportedPerStage;

        Metric(String type) {
            this.type = type;
        }

        boolean perTask() {
            return !"sum".equals(type);
        }

        void task(long value, long stage, int stageId, int attemptId, long taskId) {
            seen = true;
            if (!perTask()) {
                sum += value;
                return;
            }
            if (reportedPerStage == null) {
                reportedPerStage = new HashMap<>();
            }
            reportedPerStage.merge(stage, 1, Integer::sum);
            if (maxStage < 0 || value > max) {
                maxStage = stageId;
                maxAttempt = attemptId;
                maxTask = taskId;
            }
            add(value);
        }

        void driver(long value) {
            seen = true;
            if (!perTask()) {
                sum += value;
            } else {
                add(value);
            }
        }

        private void add(long value) {
            // Spark keeps values >= 0 of sizes and timings (-1 means unset), > 0 of averages.
            if (value < 0 || ("average".equals(type) && value == 0)) {
                return;
            }
            if (distribution == null) {
                distribution = new ValueDistribution();
            }
            distribution.add(value);
            sum += value;
            count++;
            min = Math.min(min, value);
            max = Math.max(max, value);
        }

        String text(Map<Long, Integer> stageTasks) {
            if (!perTask()) {
                return NumberFormat.getIntegerInstance(Locale.US).format(sum);
            }
            // Tasks of a stage that reported this metric but not from every task: zeros in Spark's array.
            if (reportedPerStage != null && !"average".equals(type)) {
                for (Map.Entry<Long, Integer> e : reportedPerStage.entrySet()) {
                    int zeros = stageTasks.getOrDefault(e.getKey(), e.getValue()) - e.getValue();
                    for (int i = 0; i < zeros; i++) {
                        add(0);
                    }
                }
                reportedPerStage = null;
            }
            String where =
                    maxStage < 0 ? "(driver)" : "(stage " + maxStage + "." + maxAttempt + ": task " + maxTask + ")";
            if ("average".equals(type)) {
                if (count <= 1) {
                    return average(count == 0 ? 0 : sum);
                }
                return "(min, med, max (stageId: taskId)):\n(" + average(min) + ", " + average(median()) + ", "
                        + average(max) + " " + where + ")";
            }
            if (count <= 1) {
                return format(count == 0 ? 0 : sum);
            }
            return "total (min, med, max (stageId: taskId))\n" + format(sum) + " (" + format(min) + ", "
                    + format(median()) + ", " + format(max) + " " + where + ")";
        }

        private long median() {
            return Math.max(min, Math.min(max, distribution.quantile(0.5)));
        }

        private String format(long value) {
            return switch (type) {
                case "size" -> Utils.bytesToString(value);
                case "timing" -> Utils.msDurationToString(value);
                case "nsTiming" -> Utils.msDurationToString(value / 1_000_000);
                default ->
                    "[unknown] " + NumberFormat.getIntegerInstance(Locale.US).format(value);
            };
        }

        private static String average(long value) {
            return NumberFormat.getNumberInstance(Locale.US).format(value / 10.0);
        }
    }
}
