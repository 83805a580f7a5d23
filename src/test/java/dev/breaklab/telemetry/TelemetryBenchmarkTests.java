package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import dev.breaklab.LabTest;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Figures for the README, not pass/fail timings: {@code ./mvnw -Pbenchmark test} prints them.
 * Runs drive Spark directly under a lab run id (what the engine does), so the same job can run
 * with and without the lab's listener.
 */
@Tag("benchmark")
@LabTest
class TelemetryBenchmarkTests {

    static {
        // JOL reads field offsets through Unsafe, which refuses records; this mode measures them.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    private static final int OVERHEAD_TASKS = Integer.getInteger("benchmark.overheadTasks", 4_000);
    private static final int OVERHEAD_ROUNDS = Integer.getInteger("benchmark.rounds", 5);
    private static final int BIG_RUN_TASKS = Integer.getInteger("benchmark.tasks", 20_000);

    @Autowired
    SparkSession spark;

    @Autowired
    RunStore store;

    @Autowired
    SnapshotPublisher publisher;

    @Autowired
    JsonMapper json;

    @LocalServerPort
    int port;

    private final StringBuilder report = new StringBuilder();

    @Test
    void telemetry_figures() throws Exception {
        listenerOverhead();
        twentyThousandTaskRun();
        System.out.println("\n==== Telemetry benchmark (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + spark.sparkContext().master() + ", Spark " + spark.version() + ") ====\n" + report
                + "====\n");
    }

    /** The same job alternately with and without the lab's listener on Spark's bus. */
    private void listenerOverhead() throws Exception {
        SparkContext sc = spark.sparkContext();
        LabListener lab = sc.listenerBus().listeners().stream()
                .filter(LabListener.class::isInstance)
                .map(LabListener.class::cast)
                .findFirst()
                .orElseThrow();
        timedRun(OVERHEAD_TASKS, true); // warm-up
        long[] with = new long[OVERHEAD_ROUNDS];
        long[] without = new long[OVERHEAD_ROUNDS];
        for (int i = 0; i < OVERHEAD_ROUNDS; i++) {
            with[i] = timedRun(OVERHEAD_TASKS, true);
            sc.removeSparkListener(lab);
            try {
                without[i] = timedRun(OVERHEAD_TASKS, false);
            } finally {
                sc.listenerBus().addToStatusQueue(lab);
            }
        }
        double ratio = (double) median(with) / median(without);
        line(
                "listener overhead (%d rounds of a %,d-task job, median wall time): with %d ms, without %d ms, ratio %.3f",
                OVERHEAD_ROUNDS, OVERHEAD_TASKS, median(with), median(without), ratio);
        line("  with:    %s ms", Arrays.toString(with));
        line("  without: %s ms", Arrays.toString(without));
    }

    private long timedRun(int tasks, boolean listening) throws Exception {
        LiveRun run = start("overhead");
        long start = System.nanoTime();
        job(run, tasks);
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (listening) {
            finish(run);
        } else {
            // Nobody is there to see the drain marker: finish without it.
            run.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
            publisher.publish(run);
        }
        return ms;
    }

    /** One 20,000-task run followed by a real STOMP client, with a shadow copy for heap size. */
    private void twentyThousandTaskRun() throws Exception {
        SparkContext sc = spark.sparkContext();
        Map<String, Long> droppedBefore = dropped(sc);

        // A shadow store on its own queue sees the same events; only the benchmark holds it, so
        // dropping it afterwards frees exactly one finished run's state.
        RunStore shadowStore = new RunStore(5);
        LabListener shadowListener = new LabListener(shadowStore);
        sc.listenerBus().addToQueue(shadowListener, "breaklabBenchmark");
        List<Long> finishTimes = new CopyOnWriteArrayList<>();
        SparkListener finishes = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd event) {
                finishTimes.add(event.taskInfo().finishTime());
            }
        };
        sc.listenerBus().addToQueue(finishes, "breaklabBenchmarkTimes");

        LiveRun run = start("big");
        LiveRun shadow = new LiveRun(run.id(), "benchmark", "big", "shadow", Map.of(), Map.of(), Instant.now());
        shadowStore.add(shadow);
        shadow.started(Instant.now());

        List<long[]> received = new CopyOnWriteArrayList<>(); // {receivedAt, completedTasks, seq}
        WebSocketStompClient client = stompClient();
        StompSession session = client.connectAsync(
                        "ws://127.0.0.1:" + port + "/ws", new StompSessionHandlerAdapter() {})
                .get(10, TimeUnit.SECONDS);
        session.subscribe("/topic/runs/" + run.id(), new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return Map.class;
            }

            @Override
            @SuppressWarnings("unchecked")
            public void handleFrame(StompHeaders headers, Object payload) {
                long now = System.currentTimeMillis();
                Map<String, Object> message = (Map<String, Object>) payload;
                Map<String, Object> snapshot = (Map<String, Object>) message.get("snapshot");
                long completed = 0;
                for (Object stage : (List<?>) snapshot.get("stages")) {
                    completed += ((Number) ((Map<String, Object>) stage).get("completedTasks")).longValue();
                }
                received.add(new long[] {now, completed, ((Number) message.get("seq")).longValue()});
            }
        });
        Thread.sleep(300);
        received.clear();

        long start = System.nanoTime();
        job(run, BIG_RUN_TASKS);
        long wallMs = (System.nanoTime() - start) / 1_000_000;
        finish(run);
        assertThat(shadow.awaitDrained(Duration.ofMinutes(2))).isTrue();
        Thread.sleep(1_000);
        session.disconnect();
        client.stop();

        Map<String, Long> droppedAfter = dropped(sc);
        RunSnapshot finished = run.snapshot();
        long tasksSeen = finished.stages().stream()
                .mapToLong(StageSnapshot::completedTasks)
                .sum();
        line("20,000-task run: %,d tasks in %,d ms wall, the lab saw %,d task ends", BIG_RUN_TASKS, wallMs, tasksSeen);
        droppedAfter.forEach((queue, n) -> line(
                "  dropped listener events, %s: %d (before the run: %d)",
                queue, n, droppedBefore.getOrDefault(queue, 0L)));
        listenerTimer(sc, wallMs);

        // Event-to-client latency: the k-th task end (driver-side finish time) until the first
        // STOMP message whose stages count k completed tasks reached the client.
        long[] ends = finishTimes.stream().mapToLong(Long::longValue).sorted().toArray();
        List<Long> latencies = new ArrayList<>();
        int m = 0;
        for (int k = 1; k <= ends.length; k++) {
            while (m < received.size() && received.get(m)[1] < k) {
                m++;
            }
            if (m == received.size()) {
                break;
            }
            latencies.add(received.get(m)[0] - ends[k - 1]);
        }
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        double seconds = wallMs / 1000.0;
        long messagesDuringRun =
                received.stream().filter(r -> r[1] < BIG_RUN_TASKS).count();
        line(
                "  event-to-client latency over %,d task ends: p50 %d ms, p95 %d ms, max %d ms",
                lat.length, percentile(lat, 0.50), percentile(lat, 0.95), lat.length == 0 ? 0 : lat[lat.length - 1]);
        line(
                "  STOMP messages on /topic/runs/{id}: %d in total, %d while running: %.1f messages/s",
                received.size(), messagesDuringRun, messagesDuringRun / seconds);
        boolean gapFree = true;
        for (int i = 1; i < received.size(); i++) {
            gapFree &= received.get(i)[2] == received.get(i - 1)[2] + 1;
        }
        line("  sequence numbers gap-free: %s", gapFree);

        // Retained heap of the finished run: the lab's run state (live entities + the published
        // snapshot) walked as an object graph by JOL; the shadow saw exactly the run's events.
        shadow.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
        shadow.publishIfDirty();
        sc.removeSparkListener(shadowListener);
        sc.removeSparkListener(finishes);
        assertThat(shadow.snapshot().stages().get(0).completedTasks()).isEqualTo(BIG_RUN_TASKS);
        long graphBytes = GraphLayout.parseInstance(shadow).totalSize();
        long snapshotBytes = GraphLayout.parseInstance(shadow.snapshot()).totalSize();
        long jsonBytes = json.writeValueAsBytes(shadow.snapshot()).length;
        line(
                "  retained heap of the finished run (JOL object graph of LiveRun incl. its snapshot): %.2f MB"
                        + " (snapshot alone %.2f MB); the snapshot as JSON: %.2f MB",
                graphBytes / 1048576.0, snapshotBytes / 1048576.0, jsonBytes / 1048576.0);
    }

    /** Spark times every listener per event; the lab's share of a run's wall time follows. */
    private void listenerTimer(SparkContext sc, long wallMs) {
        SortedMap<String, Timer> timers =
                sc.listenerBus().metrics().metricRegistry().getTimers();
        timers.forEach((name, timer) -> {
            if (name.contains(LabListener.class.getName())) {
                Snapshot s = timer.getSnapshot();
                long runEvents = 2L * BIG_RUN_TASKS + 10;
                double runMs = runEvents * s.getMean() / 1_000_000;
                line(
                        "  LabListener time per event (Spark's listener timer over %,d events): mean %.1f us, p99 %.1f us;"
                                + " for this run's ~%,d events about %.0f ms of listener-thread time = %.4f of its wall time",
                        timer.getCount(),
                        s.getMean() / 1_000,
                        s.get99thPercentile() / 1_000,
                        runEvents,
                        runMs,
                        runMs / wallMs);
            }
        });
    }

    private static Map<String, Long> dropped(SparkContext sc) {
        Map<String, Long> out = new TreeMap<>();
        SortedMap<String, Counter> counters =
                sc.listenerBus().metrics().metricRegistry().getCounters();
        counters.forEach((name, counter) -> {
            if (name.endsWith("numDroppedEvents")) {
                out.put(name, counter.getCount());
            }
        });
        return out;
    }

    private LiveRun start(String name) {
        String id = "bench-" + name + "-" + Long.toHexString(System.nanoTime());
        LiveRun run = new LiveRun(id, "benchmark", name, "benchmark / " + name, Map.of(), Map.of(), Instant.now());
        store.add(run);
        run.started(Instant.now());
        publisher.publish(run);
        return run;
    }

    /** What the engine does around an experiment: the run's job group and property, one action. */
    private void job(LiveRun run, int tasks) {
        SparkContext sc = spark.sparkContext();
        sc.setJobGroup(run.id(), run.snapshot().description(), true);
        sc.setLocalProperty(LabListener.RUN_PROPERTY, run.id());
        try {
            spark.range(0, tasks * 10L, 1, tasks)
                    .write()
                    .format("noop")
                    .mode("overwrite")
                    .save();
        } finally {
            sc.clearJobGroup();
            sc.setLocalProperty(LabListener.RUN_PROPERTY, null);
        }
    }

    private void finish(LiveRun run) throws InterruptedException {
        spark.sparkContext().listenerBus().post(new RunDrained(run.id()));
        run.awaitDrained(Duration.ofMinutes(2));
        run.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
        publisher.publish(run);
    }

    private static WebSocketStompClient stompClient() {
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        container.setDefaultMaxTextMessageBufferSize(16 * 1024 * 1024);
        WebSocketStompClient client = new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setMessageConverter(new JacksonJsonMessageConverter());
        client.setInboundMessageSizeLimit(16 * 1024 * 1024);
        return client;
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private void line(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[benchmark] " + line);
        report.append(line).append('\n');
    }
}
