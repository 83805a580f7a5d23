package dev.breaklab.telemetry;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.telemetry.EventLogImport.Limits;
import dev.breaklab.telemetry.EventLogImport.Progress;
import dev.breaklab.telemetry.EventLogImport.Redaction;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.Success$;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.io.CompressionCodec;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEnvironmentUpdate;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerLogStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jol.info.GraphLayout;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Figures for the README, not pass/fail timings ({@code ./mvnw -Pbenchmark test
 * -Dtest=EventLogBenchmarkTests}): how fast an event log replays into imported runs, and that a
 * log of a million tasks replays in bounded memory. The logs are Spark's own JSON, written by {@code
 * JsonProtocol.sparkEventToJsonString} from synthetic listener events (one query, a 2-stage job on
 * 8 executors, task ends with task metrics and SQL accumulator updates), zstd-compressed by Spark's
 * codec as Spark 4 writes event logs.
 */
@Tag("benchmark")
class EventLogBenchmarkTests {

    static {
        System.setProperty("jol.magicFieldOffset", "true");
    }

    private static final int TASKS = Integer.getInteger("benchmark.eventLogTasks", 1_000_000);

    @TempDir
    Path dir;

    @Test
    void replay_figures() throws Exception {
        StringBuilder report = new StringBuilder("\n=== Event-log import benchmark ===\n");
        report.append(String.format(
                Locale.ROOT,
                "machine: %d cores, load average %.1f, max heap %d MB%n",
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().maxMemory() >> 20));
        for (int tasks : List.of(TASKS / 10, TASKS)) {
            long t0 = System.nanoTime();
            Path log = dir.resolve("app-bench-" + tasks + ".zstd");
            long[] written = write(log, tasks);
            double writeSeconds = (System.nanoTime() - t0) / 1e9;
            report.append(String.format(
                    Locale.ROOT,
                    "%,d tasks: %,d events, %,d MB of JSON (%,d B per task end), %,d MB zstd; written by JsonProtocol in %.1f s%n",
                    tasks,
                    written[0],
                    written[1] >> 20,
                    written[2],
                    Files.size(log) >> 20,
                    writeSeconds));
            report.append(replay(log, tasks));
            Files.deleteIfExists(log);
        }
        System.out.println(report);
    }

    private String replay(Path log, int tasks) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work-" + tasks));
        Path upload = work.resolve("upload");
        Files.copy(log, upload);
        System.gc();
        HeapSampler heap = new HeapSampler();
        heap.start();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        EventLogSource source =
                EventLogSource.prepare(upload, log.getFileName().toString(), work, Long.MAX_VALUE, 1_000);
        EventLogImport.checkStart(source, limits());
        Progress progress = new Progress();
        EventLogImport.Result result = EventLogImport.replay(source, "bench", limits(), Redaction.NONE, progress);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
        heap.stop();
        List<RunSnapshot> runs = new ArrayList<>();
        for (LiveRun run : result.runs()) {
            run.publishIfDirty();
            runs.add(run.snapshot());
        }
        long retained = GraphLayout.parseInstance(result.runs().toArray()).totalSize();
        long completed = runs.stream()
                .flatMap(r -> r.stages().stream())
                .mapToLong(StageSnapshot::completedTasks)
                .sum();
        if (completed != tasks) {
            throw new AssertionError("replayed " + completed + " tasks of " + tasks);
        }
        return String.format(
                Locale.ROOT,
                "  replay: %.1f s, %,.0f events/s (%,d tasks into %d run); CPU %.1f s, %,.0f events per CPU second;"
                        + " load average %.1f%n  heap: peak used %d MB, peak live after GC %d MB; the imported run's state"
                        + " %,d KB%n",
                seconds,
                progress.events() / seconds,
                completed,
                runs.size(),
                cpuSeconds,
                progress.events() / cpuSeconds,
                os.getSystemLoadAverage(),
                heap.peakUsed.get() >> 20,
                heap.peakLive.get() >> 20,
                retained >> 10);
    }

    private static Limits limits() {
        return new Limits(64L << 20, Long.MAX_VALUE, 1_000, 500, 0);
    }

    /** Writes a one-query application with {@code tasks} tasks; returns {events, JSON bytes, bytes per task end}. */
    static long[] write(Path file, int tasks) throws Exception {
        long[] out = new long[3];
        long t = 1_700_000_000_000L;
        int mapTasks = Math.max(1, tasks / 5);
        int reduceTasks = tasks - mapTasks;
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream zstd = CompressionCodec.createCodec(new SparkConf(false), "zstd")
                        .compressedOutputStream(raw);
                OutputStream buffered = new BufferedOutputStream(zstd, 1 << 20)) {
            Writer w = new Writer(buffered, out);
            w.event(new SparkListenerLogStart("4.2.0"));
            Map<String, scala.collection.Seq<Tuple2<String, String>>> env = new LinkedHashMap<>();
            for (String key : List.of(
                    "JVM Information",
                    "Hadoop Properties",
                    "System Properties",
                    "Metrics Properties",
                    "Classpath Entries")) {
                env.put(key, seq(List.of()));
            }
            env.put(
                    "Spark Properties",
                    seq(List.of(
                            new Tuple2<>("spark.master", "spark://bench:7077"),
                            new Tuple2<>("spark.sql.adaptive.enabled", "true"),
                            new Tuple2<>("spark.sql.shuffle.partitions", Integer.toString(reduceTasks)))));
            w.event(new SparkListenerEnvironmentUpdate(CollectionConverters.asScala(env)));
            w.event(new SparkListenerApplicationStart(
                    "bench", Option.apply("app-bench"), t, "bench", Option.empty(), Option.empty(), Option.empty()));
            for (int e = 0; e < 8; e++) {
                w.event(new SparkListenerExecutorAdded(
                        t,
                        Integer.toString(e),
                        new ExecutorInfo("host-" + e, 4, scala.collection.immutable.Map$.MODULE$.empty())));
            }
            SparkPlanInfo scan = plan("Range", List.of(), List.of(metric("number of output rows", 11, "sum")));
            SparkPlanInfo partial = plan(
                    "HashAggregate",
                    List.of(scan),
                    List.of(
                            metric("number of output rows", 12, "sum"),
                            metric("time in aggregation build", 13, "timing")));
            SparkPlanInfo exchange = plan(
                    "Exchange",
                    List.of(partial),
                    List.of(metric("shuffle records written", 14, "sum"), metric("data size", 15, "size")));
            SparkPlanInfo root = plan(
                    "HashAggregate",
                    List.of(exchange),
                    List.of(metric("number of output rows", 16, "sum"), metric("peak memory", 17, "size")));
            w.event(new SparkListenerSQLExecutionStart(
                    0L,
                    Option.apply(0L),
                    "benchmark query",
                    "",
                    "== Physical Plan ==\nHashAggregate\n+- Exchange\n",
                    root,
                    t,
                    scala.collection.immutable.Map$.MODULE$.empty(),
                    scala.collection.immutable.Set$.MODULE$.empty(),
                    Option.empty(),
                    Option.empty()));
            StageInfo map = stage(0, mapTasks, List.of());
            StageInfo reduce = stage(1, reduceTasks, List.of(0));
            Properties props = new Properties();
            props.setProperty("spark.sql.execution.id", "0");
            props.setProperty("spark.job.description", "benchmark query");
            w.event(new SparkListenerJobStart(0, t, seq(List.of(map, reduce)), props));
            long taskId = 0;
            long time = t;
            for (StageInfo stage : List.of(map, reduce)) {
                stage.submissionTime_$eq(Option.apply(time));
                w.event(new SparkListenerStageSubmitted(stage, props));
                for (int i = 0; i < stage.numTasks(); i++) {
                    String executor = Integer.toString(i % 8);
                    TaskInfo info = new TaskInfo(
                            taskId, i, 0, i, time, executor, "host-" + executor, TaskLocality.PROCESS_LOCAL(), false);
                    w.event(new SparkListenerTaskStart(stage.stageId(), 0, info));
                    long duration = 20 + (i * 7919L) % 200;
                    info.markFinished(org.apache.spark.TaskState.FINISHED(), time + duration);
                    TaskMetrics m = new TaskMetrics();
                    m.setExecutorRunTime(duration - 2);
                    m.setExecutorCpuTime((duration - 5) * 1_000_000);
                    m.setResultSize(2_000);
                    m.setJvmGCTime(i % 13);
                    m.setPeakExecutionMemory(1 << 18);
                    long rows = 1_000 + i % 100;
                    List<AccumulableInfo> acc = new ArrayList<>();
                    if (stage == map) {
                        m.inputMetrics().setRecordsRead(rows * 10);
                        m.shuffleWriteMetrics().incBytesWritten(rows * 40);
                        m.shuffleWriteMetrics().incRecordsWritten(rows);
                        acc.add(sql(11, "number of output rows", rows * 10));
                        acc.add(sql(12, "number of output rows", rows));
                        acc.add(sql(13, "time in aggregation build", duration / 2));
                        acc.add(sql(14, "shuffle records written", rows));
                        acc.add(sql(15, "data size", rows * 40));
                    } else {
                        m.shuffleReadMetrics().incRemoteBytesRead(rows * 30);
                        m.shuffleReadMetrics().incLocalBytesRead(rows * 10);
                        m.shuffleReadMetrics().incRecordsRead(rows);
                        m.shuffleReadMetrics().incFetchWaitTime(i % 5);
                        acc.add(sql(16, "number of output rows", 1));
                        acc.add(sql(17, "peak memory", 1 << 18));
                    }
                    acc.add(internal("internal.metrics.executorRunTime", duration - 2));
                    acc.add(internal("internal.metrics.executorCpuTime", (duration - 5) * 1_000_000));
                    acc.add(internal("internal.metrics.resultSize", 2_000));
                    acc.add(internal("internal.metrics.jvmGCTime", i % 13));
                    acc.add(internal("internal.metrics.peakExecutionMemory", 1 << 18));
                    info.setAccumulables(seq(acc));
                    long before = out[1];
                    w.event(new SparkListenerTaskEnd(
                            stage.stageId(),
                            0,
                            stage == map ? "ShuffleMapTask" : "ResultTask",
                            Success$.MODULE$,
                            info,
                            new ExecutorMetrics(),
                            m));
                    out[2] = out[1] - before;
                    taskId++;
                    if (i % 16 == 15) {
                        time += 25;
                    }
                }
                stage.completionTime_$eq(Option.apply(time));
                w.event(new SparkListenerStageCompleted(stage));
            }
            w.event(new SparkListenerJobEnd(0, time, JobSucceeded$.MODULE$));
            w.event(new SparkListenerSQLExecutionEnd(0L, time, Option.empty(), Option.empty()));
            w.event(new SparkListenerApplicationEnd(time, Option.empty()));
        }
        return out;
    }

    private static StageInfo stage(int id, int tasks, List<Integer> parents) {
        return new StageInfo(
                id,
                0,
                id == 0 ? "map at Bench.java:1" : "reduce at Bench.java:2",
                tasks,
                seq(List.of()),
                seq(new ArrayList<Object>(parents)),
                "",
                null,
                seq(List.of()),
                Option.empty(),
                0,
                false,
                0);
    }

    private static SparkPlanInfo plan(String name, List<SparkPlanInfo> children, List<SQLMetricInfo> metrics) {
        return new SparkPlanInfo(
                name, name, seq(children), scala.collection.immutable.Map$.MODULE$.empty(), seq(metrics));
    }

    private static SQLMetricInfo metric(String name, long id, String type) {
        return new SQLMetricInfo(name, id, type);
    }

    private static AccumulableInfo sql(long id, String name, long value) {
        return new AccumulableInfo(
                id, Option.apply(name), Option.apply(value), Option.apply(value), false, true, Option.apply("sql"));
    }

    private static AccumulableInfo internal(String name, long value) {
        return new AccumulableInfo(
                1_000 + Math.abs(name.hashCode() % 1_000),
                Option.apply(name),
                Option.apply(value),
                Option.apply(value),
                true,
                false,
                Option.empty());
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }

    /** Spark's JSON, one event per line, counting events and bytes. */
    private record Writer(OutputStream out, long[] counts) {
        void event(SparkListenerEvent event) throws java.io.IOException {
            byte[] line = JsonProtocol.sparkEventToJsonString(event).getBytes(StandardCharsets.UTF_8);
            out.write(line);
            out.write('\n');
            counts[0]++;
            counts[1] += line.length + 1;
        }
    }

    /** Samples heap use every 10 ms: the peak used (garbage included) and the peak live set after GC. */
    private static final class HeapSampler {
        final AtomicLong peakUsed = new AtomicLong();
        final AtomicLong peakLive = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        Thread thread;

        void start() {
            List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported())
                    .toList();
            thread = new Thread(() -> {
                while (running.get()) {
                    peakUsed.accumulateAndGet(
                            ManagementFactory.getMemoryMXBean()
                                    .getHeapMemoryUsage()
                                    .getUsed(),
                            Math::max);
                    long live = pools.stream()
                            .mapToLong(p -> p.getCollectionUsage().getUsed())
                            .sum();
                    peakLive.accumulateAndGet(live, Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
