package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.EngineExecutor;
import java.util.List;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.Resubmitted$;
import org.apache.spark.Success$;
import org.apache.spark.TaskKilled;
import org.apache.spark.TaskState$;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.metrics.ExecutorMetricType;
import org.apache.spark.scheduler.SparkListenerBlockManagerAdded;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.storage.BlockManagerId$;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.BroadcastBlockId;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TaskResultBlockId;
import org.junit.jupiter.api.Test;
import scala.Option;

/** The engine's executors as the lab's listener builds them from synthetic Spark events. */
class LiveExecutorsTests {

    private final LiveExecutors executors = new LiveExecutors();
    private final LabListener listener = new LabListener(new RunStore(5), executors);

    @Test
    void executors_are_added_used_and_removed_with_the_reason() {
        listener.onExecutorAdded(new SparkListenerExecutorAdded(
                1_000, "1", new ExecutorInfo("10.0.0.7", 2, scala.collection.immutable.Map$.MODULE$.empty())));
        listener.onBlockManagerAdded(new SparkListenerBlockManagerAdded(
                1_001,
                BlockManagerId$.MODULE$.apply("1", "10.0.0.7", 4711, Option.empty()),
                200L << 20,
                Option.empty(),
                Option.empty()));
        listener.onTaskStart(new SparkListenerTaskStart(3, 0, task(0, 0, "1")));
        assertThat(only().activeTasks()).isEqualTo(1);

        listener.onTaskEnd(new SparkListenerTaskEnd(
                3,
                0,
                "ShuffleMapTask",
                Success$.MODULE$,
                task(0, 120, "1"),
                null,
                LabListenerTests.metrics(1_000, 300, 0)));
        listener.onTaskStart(new SparkListenerTaskStart(3, 0, task(1, 0, "1")));
        listener.onTaskEnd(new SparkListenerTaskEnd(
                3,
                0,
                "ShuffleMapTask",
                new ExecutorLostFailure("1", true, Option.apply("Command exited with code 137")),
                task(1, 80, "1"),
                null,
                null));
        var block = BlockManagerId$.MODULE$.apply("1", "10.0.0.7", 4711, Option.empty());
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new RDDBlockId(4, 0), StorageLevel.MEMORY_ONLY(), 5_000, 0)));
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new RDDBlockId(4, 1), StorageLevel.MEMORY_ONLY(), 3_000, 0)));
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new RDDBlockId(4, 0), StorageLevel.NONE(), 0, 0)));

        EngineExecutor live = only();
        assertThat(live.host()).isEqualTo("10.0.0.7");
        assertThat(live.cores()).isEqualTo(2);
        assertThat(live.active()).isTrue();
        assertThat(live.storageMemoryTotalBytes()).isEqualTo(200L << 20);
        assertThat(live.storageMemoryUsedBytes()).isEqualTo(3_000);
        assertThat(live.activeTasks()).isZero();
        assertThat(live.completedTasks()).isEqualTo(1);
        assertThat(live.failedTasks()).isEqualTo(1);
        assertThat(live.taskTimeMs()).isEqualTo(200);
        assertThat(live.shuffleLocalBytesRead()).isEqualTo(500);
        assertThat(live.shuffleRemoteBytesRead()).isEqualTo(500);
        assertThat(live.shuffleWriteBytes()).isEqualTo(300);

        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(9_000, "1", "Command exited with code 137"));
        EngineExecutor removed = only();
        assertThat(removed.active()).isFalse();
        assertThat(removed.removedReason()).isEqualTo("Command exited with code 137");
        assertThat(removed.removedAt().toEpochMilli()).isEqualTo(9_000);
        assertThat(removed.storageMemoryUsedBytes()).isZero();
    }

    @Test
    void figures_are_counted_by_the_rules_of_sparks_status_store() {
        listener.onExecutorAdded(new SparkListenerExecutorAdded(
                1_000, "1", new ExecutorInfo("10.0.0.7", 2, scala.collection.immutable.Map$.MODULE$.empty())));
        listener.onTaskStart(new SparkListenerTaskStart(3, 0, task(0, 0, "1")));
        listener.onTaskStart(new SparkListenerTaskStart(3, 0, task(1, 0, "1")));
        // A killed task is neither completed nor failed; its end carries the executor's peaks.
        listener.onTaskEnd(new SparkListenerTaskEnd(
                3, 0, "ShuffleMapTask", killed(), task(0, 40, "1"), peaks(64L << 20, 3L << 20), null));
        // A map task resubmitted because its output was lost: a failure, but it was not running.
        listener.onTaskEnd(
                new SparkListenerTaskEnd(3, 0, "ShuffleMapTask", Resubmitted$.MODULE$, task(2, 10, "1"), null, null));
        EngineExecutor live = only();
        assertThat(live.completedTasks()).isZero();
        assertThat(live.failedTasks()).isEqualTo(1);
        assertThat(live.activeTasks()).isEqualTo(1);
        assertThat(live.taskTimeMs()).isEqualTo(50);
        assertThat(live.peakJvmHeapBytes()).isEqualTo(64L << 20);
        assertThat(live.peakExecutionMemoryBytes()).isEqualTo(3L << 20);

        // Spark removes the executor, then reports its running task failed: the figures stopped.
        listener.onExecutorRemoved(new SparkListenerExecutorRemoved(9_000, "1", "Executor killed by driver."));
        listener.onTaskEnd(new SparkListenerTaskEnd(
                3,
                0,
                "ShuffleMapTask",
                new ExecutorLostFailure("1", true, Option.apply("Executor killed by driver.")),
                task(1, 80, "1"),
                peaks(128L << 20, 0),
                null));
        EngineExecutor removed = only();
        assertThat(removed.failedTasks()).isEqualTo(1);
        assertThat(removed.taskTimeMs()).isEqualTo(50);
        assertThat(removed.activeTasks()).isZero();
        assertThat(removed.peakJvmHeapBytes()).isEqualTo(64L << 20);
    }

    @Test
    void storage_memory_counts_cached_broadcast_and_stream_blocks_and_drops_a_removed_one() {
        listener.onExecutorAdded(new SparkListenerExecutorAdded(
                1_000, "1", new ExecutorInfo("10.0.0.7", 2, scala.collection.immutable.Map$.MODULE$.empty())));
        var block = BlockManagerId$.MODULE$.apply("1", "10.0.0.7", 4711, Option.empty());
        StorageLevel serialized = StorageLevel.MEMORY_AND_DISK_SER();
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new BroadcastBlockId(0, "piece0"), serialized, 8_000, 0)));
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new RDDBlockId(4, 0), StorageLevel.MEMORY_ONLY(), 5_000, 0)));
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new TaskResultBlockId(17), serialized, 2_000_000, 0)));
        assertThat(only().storageMemoryUsedBytes()).isEqualTo(13_000);

        // Spark 4.2 reports a removal with the block's level and replication 0, its sizes kept.
        StorageLevel removed = StorageLevel.apply(serialized.toInt(), 0);
        listener.onBlockUpdated(new SparkListenerBlockUpdated(
                new BlockUpdatedInfo(block, new BroadcastBlockId(0, "piece0"), removed, 8_000, 0)));
        assertThat(only().storageMemoryUsedBytes()).isEqualTo(5_000);
    }

    @Test
    void only_the_newest_removed_executors_are_kept() {
        for (int i = 0; i < LiveExecutors.REMOVED_KEPT + 10; i++) {
            listener.onExecutorAdded(new SparkListenerExecutorAdded(
                    i, Integer.toString(i), new ExecutorInfo("h", 1, scala.collection.immutable.Map$.MODULE$.empty())));
            listener.onExecutorRemoved(new SparkListenerExecutorRemoved(100 + i, Integer.toString(i), "killed"));
        }
        List<EngineExecutor> all = executors.snapshot();
        assertThat(all).hasSize(LiveExecutors.REMOVED_KEPT);
        assertThat(all)
                .extracting(EngineExecutor::executorId)
                .doesNotContain("0", "9")
                .contains("10", "59");
    }

    private long taskIds;

    private TaskInfo task(int index, long duration, String executor) {
        TaskInfo info = new TaskInfo(
                ++taskIds, index, 0, index, 10_000, executor, "10.0.0.7", TaskLocality.PROCESS_LOCAL(), false);
        if (duration > 0) {
            info.markFinished(TaskState$.MODULE$.FINISHED(), 10_000 + duration);
        }
        return info;
    }

    private static ExecutorMetrics peaks(long heap, long execution) {
        long[] values = new long[ExecutorMetricType.numMetrics()];
        values[(Integer) ExecutorMetricType.metricToOffset().apply("JVMHeapMemory")] = heap;
        values[(Integer) ExecutorMetricType.metricToOffset().apply("OnHeapExecutionMemory")] = execution;
        return new ExecutorMetrics(values);
    }

    private static TaskKilled killed() {
        return new TaskKilled(
                "Stage cancelled",
                scala.collection.immutable.List$.MODULE$.empty(),
                scala.collection.immutable.List$.MODULE$.empty(),
                scala.collection.immutable.List$.MODULE$.empty());
    }

    private EngineExecutor only() {
        assertThat(executors.snapshot()).hasSize(1);
        return executors.snapshot().get(0);
    }
}
