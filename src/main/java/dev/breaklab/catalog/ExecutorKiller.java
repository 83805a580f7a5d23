package dev.breaklab.catalog;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A fault by Spark's own means, for the cluster lessons: as soon as a task of this run's jobs has
 * started, the executor running it is killed with {@link SparkContext#killExecutor} (the cluster
 * manager kills the process, the driver loses it mid-task). Afterwards it asks the cluster manager
 * for as many executors as before ({@code requestTotalExecutors}), so the lab's next run finds a
 * full cluster again. The kill runs on a thread of its own, never on Spark's listener thread.
 */
final class ExecutorKiller extends SparkListener implements AutoCloseable {

    private final SparkContext sc;
    private final String jobGroup;
    private final int stageIndex;
    private final Set<Integer> stages = new HashSet<>();
    private final AtomicBoolean fired = new AtomicBoolean();
    private final CompletableFuture<String> killed = new CompletableFuture<>();
    private final int executorsBefore;

    private ExecutorKiller(SparkContext sc, int stageIndex) {
        this.sc = sc;
        this.jobGroup = sc.getLocalProperty("spark.jobGroup.id");
        this.stageIndex = stageIndex;
        this.executorsBefore = sc.statusTracker().getExecutorInfos().length - 1;
    }

    /**
     * Kills the executor of the first task that starts in this run's first job's stage number
     * {@code stageIndex} (0: the first stage to run).
     */
    static ExecutorKiller onFirstTask(SparkContext sc, int stageIndex) {
        ExecutorKiller killer = new ExecutorKiller(sc, stageIndex);
        sc.addSparkListener(killer);
        return killer;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart event) {
        String group = event.properties() == null ? null : event.properties().getProperty("spark.jobGroup.id");
        if (stages.isEmpty() && group != null && group.equals(jobGroup)) {
            var ids = CollectionConverters.asJava(event.stageIds()).stream()
                    .map(id -> (Integer) id)
                    .sorted()
                    .toList();
            stages.add(ids.get(Math.min(stageIndex, ids.size() - 1)));
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart event) {
        boolean ours;
        synchronized (this) {
            ours = stages.contains(event.stageId());
        }
        if (ours && fired.compareAndSet(false, true)) {
            String executor = event.taskInfo().executorId();
            Thread thread = new Thread(() -> kill(executor), "lab-executor-killer");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void kill(String executor) {
        try {
            sc.killExecutor(executor);
            // killExecutor lowers the application's executor target: ask for the old number again.
            sc.requestTotalExecutors(
                    executorsBefore, 0, scala.collection.immutable.Map$.MODULE$.<String, Object>empty());
            killed.complete(executor);
        } catch (RuntimeException e) {
            killed.completeExceptionally(e);
        }
    }

    /** The executor killed, once the kill was requested; null when no task of the run started. */
    String killedExecutor() {
        if (!fired.get()) {
            return null;
        }
        try {
            return killed.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the executor could not be killed: " + e, e);
        }
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}
