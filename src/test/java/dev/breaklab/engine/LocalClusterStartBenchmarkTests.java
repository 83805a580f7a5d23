package dev.breaklab.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * How long the lab's local cluster takes to be ready: the lab is started once (which writes the
 * children's class-data archives), then {@code benchmark.runs} times more (default 6) in {@code
 * local-cluster} mode with one data directory, as a learner restarts it, alternately with and without
 * the archives ({@code -Dbenchmark.compare=false}: always with) so that both see the same load on a
 * shared machine. Each start prints the SparkSession's "ready in" figure (from launching the master to every
 * worker's executor registered with the driver) and where the time went, read from the lab's and
 * the master's logs, in ms after the master was launched. Figures, not pass/fail:
 *
 * <pre>
 * ./mvnw -Pbenchmark test -Dtest=LocalClusterStartBenchmarkTests
 * ./mvnw -Pbenchmark test -Dtest=LocalClusterStartBenchmarkTests -Dbenchmark.runs=3
 * </pre>
 */
@Tag("benchmark")
class LocalClusterStartBenchmarkTests {

    private static final int RUNS = Integer.getInteger("benchmark.runs", 6);
    /** Alternate starts with and without the children's class-data sharing ({@code benchmark.compare}). */
    private static final boolean COMPARE = Boolean.parseBoolean(System.getProperty("benchmark.compare", "true"));

    private static final Path DATA = Path.of("target", "local-cluster-start-benchmark");
    private static final Pattern READY = Pattern.compile("SparkSession \\(local-cluster, .*\\) ready in (\\d+) ms");
    private static final Pattern LAB_TIME = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT(\\d\\d:\\d\\d:\\d\\d\\.\\d{3})");
    private static final Pattern CHILD_TIME = Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) ");

    /** Phases: a name and the first (or, with "last:", the last) log line containing the text. */
    private static final Map<String, String> MASTER_PHASES = new LinkedHashMap<>();

    static {
        MASTER_PHASES.put("master listening", "Starting Spark master at");
        MASTER_PHASES.put("master alive", "I have been elected leader");
        MASTER_PHASES.put("workers registered", "last:Registering worker");
        MASTER_PHASES.put("app registered", "Registered app");
        MASTER_PHASES.put("executors launched", "last:Launching executor");
    }

    @Test
    void local_cluster_start() throws Exception {
        FileSystemUtils.deleteRecursively(DATA);
        Files.createDirectories(DATA);
        Map<Boolean, List<Long>> ready = new LinkedHashMap<>();
        long first = -1;
        for (int run = 0; run <= RUNS; run++) {
            // Run 0 writes the class-data archives; then starts with and without them alternate, so
            // both see the same load on a shared machine.
            boolean sharing = run == 0 || run % 2 == 1 || !COMPARE;
            Path log = DATA.resolve("lab-" + run + ".log");
            long start = System.nanoTime();
            try (LabProcess lab = LabProcess.start(
                    DATA.resolve("lab-data"),
                    log,
                    List.of("-D" + LocalCluster.CLASS_DATA_SHARING + "=" + sharing),
                    "--lab.engine.mode=local-cluster")) {
                lab.awaitEngineRunning(log);
                long labMs = (System.nanoTime() - start) / 1_000_000;
                long readyMs = lab.get("/api/engine").path("sessionStartMs").asLong();
                if (run == 0) {
                    first = readyMs;
                } else {
                    ready.computeIfAbsent(sharing, k -> new ArrayList<>()).add(readyMs);
                }
                System.out.printf(
                        "local cluster start %d/%d%s: ready in %d ms (lab process start to engine running %d ms); %s%n",
                        run,
                        RUNS,
                        run == 0 ? " (writes the archives)" : sharing ? " (class-data sharing)" : " (no sharing)",
                        readyMs,
                        labMs,
                        phases(log, DATA.resolve("lab-data/cluster/logs/master.log")));
                // Stopped as a learner stops it (SIGTERM): the children exit in order, which is when
                // they write their class-data archives for the next start.
                lab.process().destroy();
                lab.process().waitFor(90, java.util.concurrent.TimeUnit.SECONDS);
            }
            // The children end when the lab does: wait for them before the next start.
            awaitNoChildren();
        }
        System.out.printf("local cluster start: first start (writing the archives) %d ms%n", first);
        ready.forEach((sharing, figures) -> {
            List<Long> sorted = figures.stream().sorted().toList();
            System.out.printf(
                    "local cluster start%s: median %d ms, min %d, max %d over %d starts%n",
                    sharing ? " with class-data sharing" : " without class-data sharing",
                    sorted.get(sorted.size() / 2),
                    sorted.get(0),
                    sorted.get(sorted.size() - 1),
                    sorted.size());
        });
    }

    private static String phases(Path labLog, Path masterLog) throws IOException {
        LocalTime launched = null;
        for (String line : Files.readAllLines(labLog)) {
            Matcher time = LAB_TIME.matcher(line);
            if (line.contains("Local cluster: master started") && time.find()) {
                launched = LocalTime.parse(time.group(1));
            }
        }
        if (launched == null) {
            return "no master launch in the lab's log";
        }
        Map<String, Long> at = new LinkedHashMap<>();
        List<String> master = Files.readAllLines(masterLog);
        for (Map.Entry<String, String> phase : MASTER_PHASES.entrySet()) {
            boolean last = phase.getValue().startsWith("last:");
            String text = phase.getValue().replaceFirst("^last:", "");
            for (String line : master) {
                Matcher time = CHILD_TIME.matcher(line);
                if (line.contains(text) && time.find()) {
                    at.put(
                            phase.getKey(),
                            Duration.between(launched, LocalTime.parse(time.group(1)))
                                    .toMillis());
                    if (!last) {
                        break;
                    }
                }
            }
        }
        return "ms after the master's launch: " + at;
    }

    private static void awaitNoChildren() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && clusterProcesses() > 0) {
            Thread.sleep(200);
        }
    }

    private static long clusterProcesses() {
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            return all.filter(p -> p.info()
                            .commandLine()
                            .map(c -> c.contains(DATA.toAbsolutePath().toString())
                                    && c.contains(ChildOfLab.class.getName()))
                            .orElse(false))
                    .count();
        }
    }
}
