package dev.breaklab.engine;

import dev.breaklab.LabTest;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Knob;
import dev.breaklab.catalog.Variant;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.RunStore;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.status.JobDataWrapper;
import org.apache.spark.status.StageDataWrapper;
import org.apache.spark.status.TaskDataWrapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Does the lab's memory stay bounded over many runs? Figures for the README, not pass/fail: the whole
 * catalog twice (every variant, default knobs), then many cheap runs, with the live heap after a full
 * GC and the resident memory after each catalog pass and every {@code benchmark.every} cheap runs.
 * Runs with the lab's production retention and result-size guard (the test profile keeps 500 runs
 * and a 16 MB guard), under the test JVM's heap, which is the documented default.
 *
 * <pre>
 * ./mvnw -Pbenchmark test -Dtest=MemoryBenchmarkTests
 * ./mvnw -Pbenchmark test -Dtest=MemoryBenchmarkTests -Dbenchmark.catalogPasses=1 -Dbenchmark.runs=100 -Dbenchmark.every=25
 * </pre>
 */
@Tag("benchmark")
@LabTest
@TestPropertySource(properties = {"lab.runs.retained=20", "lab.engine.max-result-size=128m"})
class MemoryBenchmarkTests {

    private static final int CATALOG_PASSES = Integer.getInteger("benchmark.catalogPasses", 2);
    private static final int CHEAP_RUNS = Integer.getInteger("benchmark.runs", 500);
    private static final int EVERY = Integer.getInteger("benchmark.every", 100);
    private static final long CHEAP_ROWS = 10_000;
    /** Batch lessons that are quick on a small table (their variants cycle), and a MemoryStream lesson. */
    private static final List<String> CHEAP = List.of(
            "tiny-partitions",
            "aqe-coalesce",
            "broadcast-hint",
            "stage-count",
            "skipped-stages",
            "aqe-on-off",
            "aqe-join-switch",
            "join-hints",
            "map-side-combine",
            "window-no-partition",
            "late-data");

    @Autowired
    Catalog catalog;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    SparkSession spark;

    @Autowired
    LabProperties properties;

    private final StringBuilder report = new StringBuilder();
    private final List<Sample> samples = new ArrayList<>();
    private final long started = System.nanoTime();
    /** Direct memory is freed as soon as a transfer ends: its peak is polled, not sampled after GC. */
    private final java.util.concurrent.atomic.AtomicLong peakDirect = new java.util.concurrent.atomic.AtomicLong();

    @Test
    void memory_figures() {
        Runs runs = new Runs(engine, validator, store);
        Thread poller = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        peakDirect.accumulateAndGet(directBytes(), Math::max);
                        sleep(100);
                    }
                },
                "benchmark-direct-memory");
        poller.setDaemon(true);
        poller.start();
        header();
        samples.add(sample("after start-up", 0));
        int total = 0;
        for (int pass = 1; pass <= CATALOG_PASSES; pass++) {
            long passStart = System.nanoTime();
            Map<RunStatus, Integer> outcomes = new EnumMap<>(RunStatus.class);
            Map<String, Long> times = new LinkedHashMap<>();
            for (Experiment experiment : catalog.all()) {
                ExperimentDefinition d = experiment.definition();
                if (d.requires() != ExperimentDefinition.Requires.EMBEDDED) {
                    continue;
                }
                for (Variant variant : d.variants()) {
                    long start = System.nanoTime();
                    RunSnapshot run = run(runs, new RunRequest(d.id(), variant.name(), Map.of(), Map.of(), null));
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    outcomes.merge(run.status(), 1, Integer::sum);
                    total++;
                    times.put(d.id() + "/" + variant.name(), ms);
                    if (run.status() != RunStatus.SUCCEEDED && run.status() != RunStatus.FAILED) {
                        line("  %s / %s ended %s: %s", d.id(), variant.name(), run.status(), run.error());
                    }
                }
            }
            line(
                    "catalog pass %d: %d runs in %d s, outcomes %s; slowest: %s",
                    pass,
                    outcomes.values().stream().mapToInt(Integer::intValue).sum(),
                    (System.nanoTime() - passStart) / 1_000_000_000,
                    outcomes,
                    times.entrySet().stream()
                            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                            .limit(5)
                            .map(e -> e.getKey() + " " + e.getValue() / 1000 + " s")
                            .collect(Collectors.joining(", ")));
            samples.add(sample("catalog pass " + pass, total));
        }

        List<RunRequest> cheap = cheapRuns();
        line(
                "cheap runs cycle over %d variants (%s; rows=%,d where a lesson has a rows knob)",
                cheap.size(), String.join(", ", CHEAP), CHEAP_ROWS);
        long cheapStart = System.nanoTime();
        Map<RunStatus, Integer> outcomes = new EnumMap<>(RunStatus.class);
        for (int i = 1; i <= CHEAP_RUNS; i++) {
            RunSnapshot run = run(runs, cheap.get((i - 1) % cheap.size()));
            outcomes.merge(run.status(), 1, Integer::sum);
            total++;
            if (i % EVERY == 0 || i == CHEAP_RUNS) {
                samples.add(sample("cheap run " + i, total));
            }
        }
        line(
                "%d cheap runs in %d s, outcomes %s",
                CHEAP_RUNS, (System.nanoTime() - cheapStart) / 1_000_000_000, outcomes);
        poller.interrupt();
        table();
        nativeMemory();
        System.out.println("\n==== Memory benchmark (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + spark.sparkContext().master() + ", Spark " + spark.version() + ", Java " + Runtime.version()
                + ") ====\n" + report + "====\n");
    }

    /** Patient: on a loaded machine a run may take its whole time limit, then its clean-up. */
    private RunSnapshot run(Runs runs, RunRequest request) {
        return runs.run(request, Duration.ofMinutes(10));
    }

    private void header() {
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xm")
                        || a.startsWith("-Xs")
                        || a.startsWith("-XX:") && !a.contains("IgnoreUnrecognized")
                        || a.startsWith("-Dio.netty.max"))
                .toList();
        long unified = SparkEnv.get().memoryManager().maxOnHeapStorageMemory();
        line(
                "JVM memory flags: %s; max heap %s; Spark unified memory (execution + storage) %s; "
                        + "lab.runs.retained=%s, spark.driver.maxResultSize=%s",
                flags.isEmpty() ? "(none)" : String.join(" ", flags),
                mb(Runtime.getRuntime().maxMemory()),
                mb(unified),
                properties.runs().retained(),
                spark.sparkContext().getConf().get("spark.driver.maxResultSize", "1g"));
        SparkContext sc = spark.sparkContext();
        line(
                "Spark UI retention: jobs %s, stages %s, tasks/stage %s, SQL executions %s",
                sc.getConf().get("spark.ui.retainedJobs", "1000 (default)"),
                sc.getConf().get("spark.ui.retainedStages", "1000 (default)"),
                sc.getConf().get("spark.ui.retainedTasks", "100000 (default)"),
                sc.getConf().get("spark.sql.ui.retainedExecutions", "1000 (default)"));
    }

    private List<RunRequest> cheapRuns() {
        List<RunRequest> out = new ArrayList<>();
        for (String id : CHEAP) {
            ExperimentDefinition d = catalog.find(id).orElseThrow().definition();
            Map<String, Object> knobs = new LinkedHashMap<>();
            d.knob("rows").ifPresent(k -> {
                if (k instanceof Knob.IntegerKnob rows) {
                    knobs.put("rows", Math.max(rows.min(), Math.min(rows.max(), CHEAP_ROWS)));
                }
            });
            for (Variant variant : d.variants()) {
                out.add(new RunRequest(id, variant.name(), knobs, Map.of(), null));
            }
        }
        return out;
    }

    /**
     * Full GCs first: three, with pauses for Spark's ContextCleaner, which removes broadcast blocks and
     * shuffle output once a GC has found their owners unreachable.
     */
    private Sample sample(String label, int runs) {
        System.gc();
        sleep(2_000);
        System.gc();
        sleep(1_000);
        System.gc();
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        SparkContext sc = spark.sparkContext();
        var status = sc.statusStore().store();
        Sample s = new Sample(
                label,
                runs,
                (System.nanoTime() - started) / 1_000_000_000,
                heap.getUsed(),
                heap.getCommitted(),
                procStatus("VmRSS"),
                procStatus("VmHWM"),
                pool("Metaspace"),
                pool("CodeHeap"),
                directBytes(),
                SparkEnv.get().memoryManager().storageMemoryUsed(),
                Thread.activeCount(),
                count(status, JobDataWrapper.class),
                count(status, StageDataWrapper.class),
                count(status, TaskDataWrapper.class),
                spark.sharedState().statusStore().executionsCount(),
                sc.listenerBus().listeners().size(),
                store.size());
        line(
                "%-16s runs %4d: live heap %s (committed %s), RSS %s (peak %s)",
                label, runs, mb(s.liveHeap), mb(s.committedHeap), mb(s.rss), mb(s.peakRss));
        return s;
    }

    private void table() {
        line("");
        line(
                "| %-16s | %5s | %6s | %9s | %9s | %7s | %9s | %9s | %7s | %6s | %13s | %7s | %17s | %11s |",
                "after",
                "runs",
                "time s",
                "live heap",
                "committed",
                "RSS",
                "peak RSS",
                "metaspace",
                "code",
                "direct",
                "Spark storage",
                "threads",
                "Spark jobs/stages",
                "tasks/SQL");
        for (Sample s : samples) {
            line(
                    "| %-16s | %5d | %6d | %9s | %9s | %7s | %9s | %9s | %7s | %6s | %13s | %7d | %17s | %11s |",
                    s.label,
                    s.runs,
                    s.seconds,
                    mb(s.liveHeap),
                    mb(s.committedHeap),
                    mb(s.rss),
                    mb(s.peakRss),
                    mb(s.metaspace),
                    mb(s.codeCache),
                    mb(s.direct),
                    mb(s.sparkStorage),
                    s.threads,
                    s.jobs + "/" + s.stages,
                    s.tasks + "/" + s.sqlExecutions);
        }
        line(
                "(peak direct memory, polled every 100 ms: %s; lab runs retained: %d; listeners on Spark's bus "
                        + "at the end: %d, %s)",
                mb(peakDirect.get()),
                last().labRuns,
                last().listeners,
                spark.sparkContext().listenerBus().listeners().stream()
                        .collect(Collectors.groupingBy(l -> l.getClass().getSimpleName(), Collectors.counting())));
        List<Sample> cheap =
                samples.stream().filter(s -> s.label.startsWith("cheap run ")).toList();
        if (cheap.size() >= 2) {
            Sample first = cheap.get(0);
            double spread = cheap.stream().mapToLong(Sample::liveHeap).max().orElse(0)
                    - cheap.stream().mapToLong(Sample::liveHeap).min().orElse(0);
            line(
                    "live heap after GC from %s to %s: %s -> %s (max - min = %.1f%% of the first); RSS max %s",
                    first.label,
                    last().label,
                    mb(first.liveHeap),
                    mb(last().liveHeap),
                    100 * spread / first.liveHeap,
                    mb(samples.stream().mapToLong(Sample::rss).max().orElse(0)));
        }
    }

    private Sample last() {
        return samples.get(samples.size() - 1);
    }

    /** With -XX:NativeMemoryTracking=summary, where the resident memory beyond the heap goes. */
    private void nativeMemory() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "vmNativeMemory",
                            new Object[] {new String[] {"summary", "scale=MB"}},
                            new String[] {String[].class.getName()});
            String text = String.valueOf(out);
            if (!text.contains("not enabled")) {
                line(
                        "native memory (NMT):%n%s",
                        text.lines()
                                .map(String::strip)
                                .filter(l -> l.startsWith("Total") || l.startsWith("-") || l.startsWith("(malloc"))
                                .collect(Collectors.joining("\n")));
            }
        } catch (Exception e) {
            line("native memory: %s", e);
        }
    }

    private static long count(org.apache.spark.util.kvstore.KVStore status, Class<?> type) {
        try {
            return status.count(type);
        } catch (Exception e) {
            return -1;
        }
    }

    private static long procStatus(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key + ":")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long pool(String prefix) {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getName().startsWith(prefix))
                .mapToLong(p -> p.getUsage().getCommitted())
                .sum();
    }

    private static long directBytes() {
        long jdk = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
        // Netty's cleaner-less direct buffers are counted by Netty, not by the JDK's pool.
        long netty = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        return jdk + Math.max(0, netty);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%d MB", Math.round(bytes / 1048576.0));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void line(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[benchmark] " + line);
        report.append(line).append('\n');
    }

    private record Sample(
            String label,
            int runs,
            long seconds,
            long liveHeap,
            long committedHeap,
            long rss,
            long peakRss,
            long metaspace,
            long codeCache,
            long direct,
            long sparkStorage,
            int threads,
            long jobs,
            long stages,
            long tasks,
            long sqlExecutions,
            int listeners,
            int labRuns) {}
}
