package dev.breaklab.web;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.history.HistoryTestSupport;
import dev.breaklab.history.HistoryTestSupport.FixedLiveRuns;
import dev.breaklab.history.RememberedRuns;
import dev.breaklab.history.RunHistory;
import dev.breaklab.history.RunHistoryWriter;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.json.JsonMapper;

/**
 * Figures for the README, not pass/fail timings ({@code ./mvnw -Pbenchmark test
 * -Dtest=RunHistoryBenchmarkTests}): how long saving a finished run takes, and how long the runs page's
 * request takes over 10,000 stored runs, on H2 and on PostgreSQL ({@code LAB_TEST_POSTGRES_URL}).
 * The runs are real: snapshots of runs of the lab's engine, under other ids, experiments, variants,
 * statuses and times.
 */
@Tag("benchmark")
@LabTest
class RunHistoryBenchmarkTests {

    private static final int SAVES = Integer.getInteger("benchmark.saves", 200);
    private static final int STORED = Integer.getInteger("benchmark.storedRuns", 10_000);
    private static final int REQUESTS = Integer.getInteger("benchmark.requests", 100);
    private static final String[] EXPERIMENTS = {
        "skewed-join", "tiny-partitions", "broadcast-hint", "aqe-coalesce", "spill",
        "cache-eviction", "stage-count", "small-files", "join-hints", "null-key-skew"
    };
    private static final String[] VARIANTS = {"broken", "fixed", "broken", "fixed", "salted"};
    private static final RunStatus[] STATUSES = {
        RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED,
        RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SUCCEEDED, RunStatus.CANCELLED, RunStatus.TIMED_OUT
    };

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    JsonMapper json;

    private final StringBuilder report = new StringBuilder();

    @Test
    void history_figures() throws Exception {
        RunSnapshot big = HistoryTestSupport.tinyBroken(new Runs(engine, validator, store));
        RunSnapshot small = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        line(
                "snapshots: tiny-partitions/broken %d stages, %d timeline tasks, JSON %,d bytes;"
                        + " tiny-partitions/fixed JSON %,d bytes",
                big.stages().size(),
                big.timeline().size(),
                json.writeValueAsBytes(big).length,
                json.writeValueAsBytes(small).length);

        Path h2Dir = Files.createTempDirectory("history-benchmark");
        database("H2 file", () -> HistoryTestSupport.h2(h2Dir), big, small);
        line("  H2 file size: %,d bytes", Files.size(h2Dir.resolve("history.mv.db")));
        try {
            database("PostgreSQL", HistoryTestSupport::postgres, big, small);
        } catch (TestAbortedException e) {
            line("PostgreSQL: not measured (%s)", e.getMessage());
        }
        System.out.println("\n==== Run history benchmark ("
                + Runtime.getRuntime().availableProcessors() + " cores) ====\n" + report + "====\n");
    }

    private void database(String name, Supplier<HikariDataSource> open, RunSnapshot big, RunSnapshot small)
            throws Exception {
        try (HikariDataSource dataSource = open.get()) {
            JdbcClient.create(dataSource).sql("DELETE FROM runs").update();
            RunHistory history = HistoryTestSupport.history(dataSource, json);
            line("%s (%s):", name, product(dataSource));

            // Save: a real-size finished run, each under a new id, as the writer thread does it.
            Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
            for (int i = 0; i < 20; i++) {
                history.save(HistoryTestSupport.copy(
                        big, "warm-" + i, "tiny-partitions", "broken", RunStatus.SUCCEEDED, t0));
            }
            long[] saves = new long[SAVES];
            for (int i = 0; i < SAVES; i++) {
                RunSnapshot run = HistoryTestSupport.copy(
                        big, "save-" + i, "tiny-partitions", "broken", RunStatus.SUCCEEDED, t0.plusSeconds(i));
                long start = System.nanoTime();
                history.save(run);
                saves[i] = System.nanoTime() - start;
            }
            line(
                    "  save a finished run (%d saves, %,d-byte JSON): %s",
                    SAVES, json.writeValueAsBytes(big).length, quantiles(saves));
            long[] serialize = new long[SAVES];
            for (int i = 0; i < SAVES; i++) {
                long start = System.nanoTime();
                json.writeValueAsString(big);
                serialize[i] = System.nanoTime() - start;
            }
            line("    of which writing the JSON: %s", quantiles(serialize));

            // The publisher's side of it: handing a finished snapshot to the writer.
            RunHistoryWriter writer = new RunHistoryWriter(history);
            long[] handoffs = new long[SAVES];
            for (int i = 0; i < SAVES; i++) {
                RunSnapshot run = HistoryTestSupport.copy(
                        big, "save-" + i, "tiny-partitions", "broken", RunStatus.SUCCEEDED, t0.plusSeconds(i));
                long start = System.nanoTime();
                writer.published(run, true);
                handoffs[i] = System.nanoTime() - start;
            }
            writer.flush();
            line(
                    "  publisher's hand-off to the writer (published(), same %d runs): %s",
                    SAVES, quantilesMicros(handoffs));

            // Fill: 10,000 runs over 60 days, the mix of experiments, variants and statuses a class makes.
            long fillStart = System.nanoTime();
            int stored = (int) history.count();
            Instant newest = Instant.parse("2025-06-30T00:00:00Z");
            List<RunSnapshot> recent = new ArrayList<>();
            Random mix = new Random(42);
            for (int i = stored; i < STORED; i++) {
                RunSnapshot run = HistoryTestSupport.copy(
                        small,
                        String.format("run-%05d", i),
                        EXPERIMENTS[mix.nextInt(EXPERIMENTS.length)],
                        VARIANTS[mix.nextInt(VARIANTS.length)],
                        STATUSES[mix.nextInt(STATUSES.length)],
                        newest.minus(Duration.ofSeconds((long) (STORED - i) * 518)));
                history.save(run);
                if (i >= STORED - 20) {
                    recent.add(0, run);
                }
            }
            line("  filled to %,d runs in %.1f s", history.count(), (System.nanoTime() - fillStart) / 1e9);

            // Read: GET /api/runs through the controller and the app's JSON mapper; memory holds the
            // 20 most recent finished runs and one running.
            List<RunSnapshot> memory = new ArrayList<>(recent);
            memory.add(
                    0, HistoryTestSupport.copy(small, "running", "skewed-join", "broken", RunStatus.RUNNING, newest));
            RememberedRuns runs = new RememberedRuns(new FixedLiveRuns(memory), writer, history);
            MockMvc mvc = MockMvcBuilders.standaloneSetup(new RunListController(runs))
                    .setMessageConverters(new JacksonJsonHttpMessageConverter(json))
                    .build();
            for (String query : List.of(
                    "page=0&size=50",
                    "experimentId=skewed-join&status=FAILED&page=0&size=50",
                    "experimentId=spill&variant=fixed&since=2025-06-01&page=0&size=50",
                    "status=SUCCEEDED&page=100&size=50")) {
                request(mvc, query, REQUESTS / 5); // warm-up
                long[] times = new long[REQUESTS];
                int rows = 0;
                for (int i = 0; i < REQUESTS; i++) {
                    long start = System.nanoTime();
                    rows = request(mvc, query, 1);
                    times[i] = System.nanoTime() - start;
                }
                line("  GET /api/runs?%s -> %d runs: %s", query, rows, quantiles(times));
            }
            writer.destroy();
        }
    }

    private int request(MockMvc mvc, String query, int times) throws Exception {
        int rows = 0;
        for (int i = 0; i < times; i++) {
            String body = mvc.perform(get("/api/runs?" + query))
                    .andExpect(status().isOk())
                    .andReturn()
                    .getResponse()
                    .getContentAsString();
            rows = json.readTree(body).size();
            if (rows == 0) {
                System.out.println("[history benchmark] empty answer to " + query + ": " + body);
            }
        }
        return rows;
    }

    private static String product(HikariDataSource dataSource) throws Exception {
        try (var c = dataSource.getConnection()) {
            return c.getMetaData().getDatabaseProductName() + " "
                    + c.getMetaData().getDatabaseProductVersion();
        }
    }

    private static String quantiles(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "p50 %.1f ms, p95 %.1f ms, max %.1f ms",
                at(sorted, 0.50) / 1e6,
                at(sorted, 0.95) / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    private static String quantilesMicros(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "p50 %.0f µs, p95 %.0f µs, max %.0f µs",
                at(sorted, 0.50) / 1e3,
                at(sorted, 0.95) / 1e3,
                sorted[sorted.length - 1] / 1e3);
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private void line(String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        System.out.println("[history benchmark] " + line);
        report.append(line).append('\n');
    }
}
