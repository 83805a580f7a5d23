package dev.breaklab.telemetry;

import dev.breaklab.run.EngineExecutor;
import dev.breaklab.run.TaskOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.ShuffleReadMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.StreamBlockId;
import org.springframework.stereotype.Component;

/**
 * The engine's executors, live: fed by {@link LabListener} from Spark's executor, block manager, task
 * and heartbeat events, O(1) per event. Removed executors are kept (newest {@value #REMOVED_KEPT}) so
 * a learner sees which one died and why.
 *
 * <p>The figures are those of Spark's own status store (the Executors tab and
 * {@code /api/v1/applications/{app}/allexecutors}; SparkRestFiguresTests compares them), counted by
 * the same rules: an executor's figures stop at its removal (a task whose failure Spark reports after
 * it removed the executor is not counted on it), a resubmitted task (map output lost with its
 * executor) counts as failed but was not running, and the peaks come from heartbeats and from each
 * task's end. On purpose the lab differs in two places: a removed executor runs no task and holds
 * no memory, and the driver's task time and GC time are its tasks' (Spark's REST API puts the
 * application's uptime and the driver JVM's GC time there).
 */
@Component
public class LiveExecutors {

    static final int REMOVED_KEPT = 50;

    private final Map<String, Live> executors = new LinkedHashMap<>();

    private static final class Live {
        final String id;
        String host = "";
        int cores;
        Instant addedAt;
        Instant removedAt;
        String removedReason;
        long maxMemory;
        long memoryUsed;
        final Map<String, Long> blocksInMemory = new HashMap<>();
        int activeTasks;
        long completedTasks;
        long failedTasks;
        long taskTimeMs;
        long gcTimeMs;
        long shuffleLocal;
        long shuffleRemote;
        long shuffleWrite;
        long peakHeap;
        long peakExecution;
        long peakStorage;
        long peakUnified;

        Live(String id) {
            this.id = id;
        }

        void peaks(ExecutorMetrics metrics) {
            peakHeap = Math.max(peakHeap, metrics.getMetricValue("JVMHeapMemory"));
            peakExecution = Math.max(peakExecution, metrics.getMetricValue("OnHeapExecutionMemory"));
            peakStorage = Math.max(peakStorage, metrics.getMetricValue("OnHeapStorageMemory"));
            peakUnified = Math.max(peakUnified, metrics.getMetricValue("OnHeapUnifiedMemory"));
        }

        EngineExecutor snapshot() {
            return new EngineExecutor(
                    id,
                    host,
                    cores,
                    removedAt == null,
                    addedAt,
                    removedAt,
                    removedReason,
                    memoryUsed,
                    maxMemory,
                    activeTasks,
                    completedTasks,
                    failedTasks,
                    taskTimeMs,
                    gcTimeMs,
                    shuffleLocal,
                    shuffleRemote,
                    shuffleWrite,
                    peakHeap,
                    peakExecution,
                    peakStorage,
                    peakUnified);
        }
    }

    /** Every executor seen (the driver first, then by id), removed ones included. */
    public synchronized List<EngineExecutor> snapshot() {
        List<EngineExecutor> out = new ArrayList<>(executors.size());
        executors.values().forEach(live -> out.add(live.snapshot()));
        out.sort(Comparator.comparing((EngineExecutor e) -> !e.executorId().equals("driver"))
                .thenComparing(e -> e.executorId().length())
                .thenComparing(EngineExecutor::executorId));
        return out;
    }

    /**
     * Forgets every executor: an engine switch stopped their SparkContext (its executors, the driver's
     * too, belong to that application). The new context's come through the listener's catch-up.
     */
    public synchronized void clear() {
        executors.clear();
    }

    synchronized void added(String id, String host, int cores, long time) {
        Live live = executor(id);
        live.host = host;
        live.cores = cores;
        live.addedAt = Instant.ofEpochMilli(time);
    }

    synchronized void removed(String id, String reason, long time) {
        Live live = executor(id);
        live.removedAt = Instant.ofEpochMilli(time);
        live.removedReason = reason;
        live.activeTasks = 0;
        live.memoryUsed = 0;
        live.blocksInMemory.clear();
        forgetOldRemoved();
    }

    synchronized void blockManagerAdded(String id, String host, long maxMemory, long time) {
        Live live = executor(id);
        live.maxMemory = maxMemory;
        if (live.host.isEmpty()) {
            live.host = host;
        }
        if (live.addedAt == null) {
            live.addedAt = Instant.ofEpochMilli(time);
        }
    }

    /**
     * A block stored, changed or dropped: the executor's memory use moves by the block's change. Only
     * the blocks Spark's Executors tab counts as storage: cached partitions, broadcast pieces and
     * stream blocks (not a large task result waiting to be fetched).
     *
     * <p>In Spark 4.2 a removal comes as the block's last storage level with replication 0
     * (SPARK-47702; it used to be {@code StorageLevel.NONE}): an invalid level. Spark's own status store
     * looks only at {@code useMemory} and so adds a removed block's memory once more, which makes
     * the Spark UI's storage memory grow with every cleaned-up broadcast; the lab drops the block.
     */
    synchronized void blockUpdated(BlockUpdatedInfo info) {
        Live live = active(info.blockManagerId().executorId());
        BlockId id = info.blockId();
        if (live == null || !(id.isRDD() || id.isBroadcast() || id instanceof StreamBlockId)) {
            return;
        }
        String block = id.name();
        StorageLevel level = info.storageLevel();
        long size = level.isValid() && level.useMemory() ? info.memSize() : 0;
        Long before = size > 0 ? live.blocksInMemory.put(block, size) : live.blocksInMemory.remove(block);
        live.memoryUsed = Math.max(0, live.memoryUsed + size - (before == null ? 0 : before));
    }

    synchronized void taskStarted(String id) {
        Live live = active(id);
        if (live != null) {
            live.activeTasks++;
        }
    }

    /**
     * A task ended: counted on its executor if that is still registered (as Spark counts it). A
     * resubmitted task was not running (its map output was lost with its executor): a failure, not
     * one active task less. A killed task (or a denied commit) is neither completed nor failed.
     */
    synchronized void taskEnded(TaskInfo info, TaskMetrics metrics, ExecutorMetrics peaks, TaskOutcome outcome) {
        Live live = active(info.executorId());
        if (live == null) {
            return;
        }
        if (outcome != TaskOutcome.RESUBMITTED) {
            live.activeTasks = Math.max(0, live.activeTasks - 1);
        }
        if (outcome == TaskOutcome.SUCCESS) {
            live.completedTasks++;
        } else if (outcome != TaskOutcome.KILLED) {
            live.failedTasks++;
        }
        if (info.finishTime() > 0) {
            live.taskTimeMs += info.finishTime() - info.launchTime();
        }
        if (peaks != null) {
            live.peaks(peaks);
        }
        if (metrics != null && outcome != TaskOutcome.RESUBMITTED) {
            ShuffleReadMetrics read = metrics.shuffleReadMetrics();
            live.gcTimeMs += metrics.jvmGCTime();
            live.shuffleLocal += read.localBytesRead();
            live.shuffleRemote += read.remoteBytesRead();
            live.shuffleWrite += metrics.shuffleWriteMetrics().bytesWritten();
        }
    }

    /**
     * A heartbeat's executor metrics: keep the peaks (Spark's Executors tab "peak memory metrics").
     * Only a registered executor's, as in Spark: a late heartbeat does not move a removed one's.
     */
    synchronized void metrics(String id, ExecutorMetrics metrics) {
        Live live = active(id);
        if (live != null) {
            live.peaks(metrics);
        }
    }

    /**
     * A stage's peaks on one executor, as an event log replays them (a live application does not
     * post them): they count for removed executors too.
     */
    synchronized void stageMetrics(String id, ExecutorMetrics metrics) {
        Live live = executors.get(id);
        if (live != null) {
            live.peaks(metrics);
        }
    }

    private Live executor(String id) {
        return executors.computeIfAbsent(id, Live::new);
    }

    /** The executor if it is known and not removed (Spark's status store counts only those). */
    private Live active(String id) {
        Live live = executors.get(id);
        return live == null || live.removedAt != null ? null : live;
    }

    private void forgetOldRemoved() {
        long removed =
                executors.values().stream().filter(e -> e.removedAt != null).count();
        if (removed <= REMOVED_KEPT) {
            return;
        }
        executors.values().stream()
                .filter(e -> e.removedAt != null)
                .min(Comparator.comparing(e -> e.removedAt))
                .ifPresent(oldest -> executors.remove(oldest.id));
    }
}
