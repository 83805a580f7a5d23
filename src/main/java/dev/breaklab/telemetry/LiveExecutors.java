package dev.breaklab.telemetry;

import dev.breaklab.run.EngineExecutor;
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
import org.apache.spark.storage.BlockUpdatedInfo;
import org.springframework.stereotype.Component;

/**
 * The engine's executors, live: fed by {@link LabListener} from Spark's executor, block manager, task
 * and heartbeat events, O(1) per event. Removed executors are kept (newest {@value #REMOVED_KEPT}) so
 * a learner sees which one died and why.
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

    /** A block stored, changed or dropped: the executor's memory use moves by the block's change. */
    synchronized void blockUpdated(BlockUpdatedInfo info) {
        Live live = executors.get(info.blockManagerId().executorId());
        if (live == null) {
            return;
        }
        String block = info.blockId().name();
        long size = info.storageLevel().useMemory() ? info.memSize() : 0;
        Long before = size > 0 ? live.blocksInMemory.put(block, size) : live.blocksInMemory.remove(block);
        live.memoryUsed = Math.max(0, live.memoryUsed + size - (before == null ? 0 : before));
    }

    synchronized void taskStarted(String id) {
        executor(id).activeTasks++;
    }

    synchronized void taskEnded(TaskInfo info, TaskMetrics metrics, boolean failed) {
        Live live = executor(info.executorId());
        live.activeTasks = Math.max(0, live.activeTasks - 1);
        if (failed) {
            live.failedTasks++;
        } else {
            live.completedTasks++;
        }
        if (info.finishTime() > 0) {
            live.taskTimeMs += info.finishTime() - info.launchTime();
        }
        if (metrics != null) {
            ShuffleReadMetrics read = metrics.shuffleReadMetrics();
            live.gcTimeMs += metrics.jvmGCTime();
            live.shuffleLocal += read.localBytesRead();
            live.shuffleRemote += read.remoteBytesRead();
            live.shuffleWrite += metrics.shuffleWriteMetrics().bytesWritten();
        }
    }

    /** A heartbeat's executor metrics: keep the peaks (Spark's Executors tab "peak memory metrics"). */
    synchronized void metrics(String id, ExecutorMetrics metrics) {
        Live live = executors.get(id);
        if (live == null) {
            return;
        }
        live.peakHeap = Math.max(live.peakHeap, metrics.getMetricValue("JVMHeapMemory"));
        live.peakExecution = Math.max(live.peakExecution, metrics.getMetricValue("OnHeapExecutionMemory"));
        live.peakStorage = Math.max(live.peakStorage, metrics.getMetricValue("OnHeapStorageMemory"));
        live.peakUnified = Math.max(live.peakUnified, metrics.getMetricValue("OnHeapUnifiedMemory"));
    }

    private Live executor(String id) {
        return executors.computeIfAbsent(id, Live::new);
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
