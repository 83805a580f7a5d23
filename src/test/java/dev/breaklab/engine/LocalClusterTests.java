package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.breaklab.web.Browser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;

/**
 * The lab in {@code local-cluster} mode, as a JVM of its own (one SparkContext per JVM): it starts a
 * standalone Master and two Workers as child processes, runs lessons on their executors, and when
 * it is killed with {@code kill -9} its children die too. Expensive (five JVMs): run it alone, under
 * the shared lock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterTests {

    private static final Path DATA = Path.of("target", "local-cluster-test");
    private static LabProcess lab;

    @BeforeAll
    static void start_the_lab_in_local_cluster_mode() throws Exception {
        lab = LabProcess.startRunning(DATA, List.of(), "--lab.engine.mode=local-cluster");
    }

    @AfterAll
    static void stop_the_lab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void the_engine_runs_on_a_standalone_master_with_two_executors_in_processes_of_their_own() throws Exception {
        JsonNode engine = lab.get("/api/engine");
        System.out.printf(
                "local cluster: lab process start to engine running %d ms; SparkSession with executors ready %d ms%n",
                lab.readyMs(), engine.path("sessionStartMs").asLong());
        assertThat(engine.path("mode").asText()).isEqualTo("local-cluster");
        assertThat(engine.path("master").asText()).startsWith("spark://127.0.0.1:");
        assertThat(engine.path("activeExecutors").asInt()).isEqualTo(2);
        List<String> ids = new ArrayList<>();
        engine.path("executors").forEach(e -> {
            ids.add(e.path("executorId").asText());
            assertThat(e.path("host").asText()).as(e.toString()).isEqualTo("127.0.0.1");
            assertThat(e.path("storageMemoryTotalBytes").asLong())
                    .as(e.toString())
                    .isPositive();
        });
        assertThat(ids).containsExactly("driver", "0", "1");

        List<String> commands = lab.process()
                .descendants()
                .map(p -> p.info().commandLine().orElse(""))
                .toList();
        assertThat(commands)
                .filteredOn(c -> c.contains("org.apache.spark.deploy.master.Master"))
                .hasSize(1);
        assertThat(commands)
                .filteredOn(c -> c.contains("org.apache.spark.deploy.worker.Worker"))
                .hasSize(2);
        assertThat(commands)
                .filteredOn(c -> c.contains("org.apache.spark.executor.CoarseGrainedExecutorBackend"))
                .hasSize(2);
    }

    @Test
    @Order(2)
    void a_lesson_runs_end_to_end_on_the_executors() throws Exception {
        long start = System.nanoTime();
        JsonNode run = lab.run("tiny-partitions", "fixed", Map.of("rows", 200_000), Duration.ofMinutes(3));
        System.out.printf("local cluster: tiny-partitions fixed took %d ms%n", (System.nanoTime() - start) / 1_000_000);
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        List<String> executors = new ArrayList<>();
        run.path("executors").forEach(e -> executors.add(e.path("executorId").asText()));
        assertThat(executors).isNotEmpty().doesNotContain("driver");
    }

    @Test
    @Order(3)
    void executor_lost_broken_loses_an_executor_mid_stage_and_still_succeeds() throws Exception {
        long start = System.nanoTime();
        JsonNode run = lab.run("executor-lost", "broken", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: executor-lost broken took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        run.path("evidence").forEach(e -> assertThat(e.path("holds").asBoolean())
                .as(e.toString())
                .isEqualTo(e.path("expected").asBoolean(true)));
        List<String> findings = new ArrayList<>();
        run.path("findings").forEach(f -> findings.add(f.path("kind").asText()));
        assertThat(findings).contains("retries");

        JsonNode engine = lab.get("/api/engine");
        List<JsonNode> removed = new ArrayList<>();
        engine.path("executors").forEach(e -> {
            if (!e.path("active").asBoolean()) {
                removed.add(e);
            }
        });
        assertThat(removed).as(engine.toString()).hasSize(1);
        assertThat(removed.get(0).path("removedReason").asText()).isNotBlank();
        // The run's own record: the killed executor with Spark's reason, drawn as its lane group's
        // removed marker on the run view's timeline (one group per executor that was up during the run).
        String reason = removed.get(0).path("removedReason").asText();
        List<JsonNode> gone = new ArrayList<>();
        run.path("executors").forEach(e -> {
            if (!e.path("removedAt").isNull() && !e.path("removedAt").isMissingNode()) {
                gone.add(e);
            }
        });
        assertThat(gone).as(run.path("executors").toString()).singleElement().satisfies(e -> {
            assertThat(e.path("executorId").asText())
                    .isEqualTo(removed.get(0).path("executorId").asText());
            assertThat(e.path("removedReason").asText()).isEqualTo(reason);
            assertThat(e.path("host").asText()).isEqualTo("127.0.0.1");
            assertThat(e.path("cores").asInt()).isPositive();
        });
        try (Browser browser = Browser.open(lab.port())) {
            browser.go("/runs/" + run.path("id").asText());
            browser.await(
                    Duration.ofSeconds(30),
                    d -> browser.all("#timeline g.exec-group").size() >= 2);
            assertThat(browser.all("#timeline g.exec-group"))
                    .extracting(g -> g.getDomAttribute("data-executor"))
                    .doesNotContain("driver")
                    .contains(gone.get(0).path("executorId").asText());
            WebElement marker = browser.find("#timeline g.exec-group.exec-removed g.exec-marker.removed");
            assertThat(marker.findElement(By.xpath("./*[local-name()='title']")).getAttribute("textContent"))
                    .endsWith(": " + reason);
            browser.screenshot("13-local-cluster-executor-lost");
        }
        // The cluster manager replaced it: two executors again for the next run.
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
    }

    @Test
    @Order(4)
    void executor_lost_fixed_runs_without_failures() throws Exception {
        long start = System.nanoTime();
        JsonNode run = lab.run("executor-lost", "fixed", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: executor-lost fixed took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertEvidenceAsExpected(run);
    }

    @Test
    @Order(5)
    void fetch_failure_broken_loses_map_output_with_its_executor_and_reruns_the_map_stage() throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
        long start = System.nanoTime();
        JsonNode run = lab.run("fetch-failure", "broken", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: fetch-failure broken took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertEvidenceAsExpected(run);
        List<String> outcomes = new ArrayList<>();
        run.path("timeline").forEach(t -> outcomes.add(t.path("status").asText()));
        assertThat(outcomes).contains("FETCH_FAILED");
        List<String> attempts = new ArrayList<>();
        run.path("stages")
                .forEach(s -> attempts.add(
                        s.path("stageId").asInt() + "." + s.path("attemptId").asInt()));
        assertThat(attempts).as(run.path("stages").toString()).anyMatch(a -> a.endsWith(".1"));
        assertThat(findings(run)).contains("retries");
    }

    @Test
    @Order(6)
    void fetch_failure_fixed_refuses_to_run_on_a_cluster_without_the_shuffle_service() throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
        JsonNode run = lab.run("fetch-failure", "fixed", Map.of(), Duration.ofMinutes(1));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("FAILED");
        assertThat(run.toString()).contains("lab.engine.cluster.shuffle-service=true");
        assertThat(run.path("stages")).isEmpty();
    }

    @Test
    @Order(7)
    void executor_oom_broken_fails_with_sparks_out_of_memory_error_and_the_executors_live_on() throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
        int removedBefore = removedExecutors();
        long start = System.nanoTime();
        JsonNode run = lab.run("executor-oom", "broken", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: executor-oom broken took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("FAILED");
        assertEvidenceAsExpected(run);
        assertThat(findings(run)).contains("out-of-memory");
        // Spark's own error: the executors were not lost.
        assertThat(removedExecutors()).isEqualTo(removedBefore);
    }

    @Test
    @Order(8)
    void executor_oom_fixed_and_sort_merge_join_the_same_rows() throws Exception {
        for (String variant : List.of("fixed", "sort-merge")) {
            long start = System.nanoTime();
            JsonNode run = lab.run("executor-oom", variant, Map.of(), Duration.ofMinutes(3));
            System.out.printf(
                    "local cluster: executor-oom %s took %d ms (run %d ms)%n",
                    variant,
                    (System.nanoTime() - start) / 1_000_000,
                    run.path("durationMs").asLong());
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertEvidenceAsExpected(run);
            assertThat(findings(run)).doesNotContain("out-of-memory");
        }
    }

    @Test
    @Order(9)
    void network_shuffle_sends_raw_rows_over_the_network_and_aggregates_first_when_fixed() throws Exception {
        for (String variant : List.of("broken", "fixed")) {
            long start = System.nanoTime();
            JsonNode run = lab.run("network-shuffle", variant, Map.of(), Duration.ofMinutes(3));
            System.out.printf(
                    "local cluster: network-shuffle %s took %d ms (run %d ms)%n",
                    variant,
                    (System.nanoTime() - start) / 1_000_000,
                    run.path("durationMs").asLong());
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertEvidenceAsExpected(run);
            if (variant.equals("broken")) {
                assertThat(findings(run)).contains("network-shuffle");
            } else {
                assertThat(findings(run)).doesNotContain("network-shuffle");
            }
        }
    }

    @Test
    @Order(10)
    void cache_eviction_cluster_memory_only_keeps_part_of_the_table_and_the_fixes_keep_all_of_it() throws Exception {
        for (String variant : List.of("broken", "fixed", "cache-less")) {
            JsonNode run = timedRun("cache-eviction-cluster", variant);
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertEvidenceAsExpected(run);
            assertPrimaryFinding(run, "partial-cache");
        }
    }

    @Test
    @Order(11)
    void idle_executors_one_partition_leaves_an_executor_idle_and_four_keep_both_busy() throws Exception {
        for (String variant : List.of("broken", "fixed")) {
            JsonNode run = timedRun("idle-executors", variant);
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertEvidenceAsExpected(run);
            assertPrimaryFinding(run, "low-parallelism");
        }
    }

    @Test
    @Order(12)
    void gc_pressure_cluster_shows_gc_per_executor_and_proves_the_objects_are_outside_spark_memory() throws Exception {
        for (String variant : List.of("broken", "fixed")) {
            JsonNode run = timedRun("gc-pressure-cluster", variant);
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
            assertEvidenceAsExpected(run);
            assertPrimaryFinding(run, "records-as-objects");
            // The GC figure of each executor JVM that ran tasks, measured on the run (not asserted: it varies).
            JsonNode perExecutor = null;
            for (JsonNode e : run.path("evidence")) {
                if (e.path("id").asText().equals("gc-per-executor")) {
                    perExecutor = e;
                }
            }
            assertThat(perExecutor).as(run.toString()).isNotNull();
            assertThat(perExecutor.path("measured").asText()).containsPattern("executor \\d+: GC .* task time");
        }
    }

    /** A lesson's variant with its defaults, once both executors are there; prints how long it took. */
    private static JsonNode timedRun(String experiment, String variant) throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
        long start = System.nanoTime();
        JsonNode run = lab.run(experiment, variant, Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: %s %s took %d ms (run %d ms)%n",
                experiment,
                variant,
                (System.nanoTime() - start) / 1_000_000,
                run.path("durationMs").asLong());
        return run;
    }

    /** The lesson's primary finding on broken and on no other variant. */
    private static void assertPrimaryFinding(JsonNode run, String kind) {
        if (run.path("variant").asText().equals("broken")) {
            assertThat(findings(run)).as(run.path("findings").toString()).contains(kind);
        } else {
            assertThat(findings(run)).as(run.path("findings").toString()).doesNotContain(kind);
        }
    }

    private static int removedExecutors() throws Exception {
        int[] removed = {0};
        lab.get("/api/engine")
                .path("executors")
                .forEach(e -> removed[0] += e.path("active").asBoolean() ? 0 : 1);
        return removed[0];
    }

    static void assertEvidenceAsExpected(JsonNode run) {
        run.path("evidence")
                .forEach(e -> System.out.printf(
                        "  %s %s: %s%n",
                        run.path("experimentId").asText() + "/"
                                + run.path("variant").asText(),
                        e.path("id").asText(),
                        e.path("measured").asText()));
        run.path("evidence").forEach(e -> {
            if (!MEASURED_ONLY.contains(e.path("id").asText())) {
                assertThat(e.path("holds").asBoolean())
                        .as(e.toString())
                        .isEqualTo(e.path("expected").asBoolean(true));
            }
        });
    }

    /**
     * Claims a lesson measures on every run and expects on none (the figure varies with the executor
     * JVM's history): shown, not asserted either way.
     */
    private static final java.util.Set<String> MEASURED_ONLY = java.util.Set.of("gc-per-executor", "little-gc");

    static List<String> findings(JsonNode run) {
        List<String> findings = new ArrayList<>();
        run.path("findings").forEach(f -> findings.add(f.path("kind").asText()));
        return findings;
    }

    @Test
    @Order(100)
    void when_the_lab_is_killed_hard_its_cluster_dies_with_it() {
        List<ProcessHandle> children = lab.process().descendants().toList();
        assertThat(children).hasSizeGreaterThanOrEqualTo(5);
        lab.process().destroyForcibly(); // kill -9: no shutdown hook, no Spring shutdown

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(children).noneMatch(ProcessHandle::isAlive));
    }
}
