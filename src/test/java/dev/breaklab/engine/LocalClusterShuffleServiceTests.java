package dev.breaklab.engine;

import static dev.breaklab.engine.LocalClusterTests.assertEvidenceAsExpected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
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
import tools.jackson.databind.JsonNode;

/**
 * The lab in {@code local-cluster} mode with the external shuffle service
 * ({@code lab.engine.cluster.shuffle-service=true}): the first Worker runs Spark's shuffle service
 * in-process, the application uses it, and an executor's shuffle files outlive it. A lab process
 * of its own (the setting is fixed when Spark's application starts). Expensive: run it alone, under
 * the shared lock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterShuffleServiceTests {

    private static final Path DATA = Path.of("target", "local-cluster-shuffle-service-test");
    private static LabProcess lab;

    @BeforeAll
    static void start_the_lab_with_a_shuffle_service() throws Exception {
        lab = LabProcess.startRunning(
                DATA, List.of(), "--lab.engine.mode=local-cluster", "--lab.engine.cluster.shuffle-service=true");
    }

    @AfterAll
    static void stop_the_lab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void the_first_worker_runs_the_shuffle_service() throws Exception {
        System.out.printf(
                "local cluster with shuffle service: lab process start to engine running %d ms%n", lab.readyMs());
        JsonNode engine = lab.get("/api/engine");
        assertThat(engine.path("activeExecutors").asInt()).isEqualTo(2);
        // Both workers' executors registered with the one shuffle service; none was refused.
        engine.path("executors").forEach(e -> assertThat(e.path("active").asBoolean())
                .as(e.toString())
                .isTrue());
        String worker = Files.readString(DATA.resolve("lab-data/cluster/logs/worker-1.log"));
        assertThat(worker).contains("shuffle service");
    }

    @Test
    @Order(2)
    void fetch_failure_fixed_loses_an_executor_but_no_map_output() throws Exception {
        long start = System.nanoTime();
        JsonNode run = lab.run("fetch-failure", "fixed", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "local cluster: fetch-failure fixed took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertEvidenceAsExpected(run);
        List<String> outcomes = new ArrayList<>();
        run.path("timeline").forEach(t -> outcomes.add(t.path("status").asText()));
        assertThat(outcomes).doesNotContain("FETCH_FAILED");
        run.path("stages")
                .forEach(s ->
                        assertThat(s.path("attemptId").asInt()).as(s.toString()).isZero());
    }

    @Test
    @Order(3)
    void fetch_failure_broken_refuses_to_run_where_the_shuffle_service_keeps_the_files() throws Exception {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
        JsonNode run = lab.run("fetch-failure", "broken", Map.of(), Duration.ofMinutes(1));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("FAILED");
        assertThat(run.path("stages")).isEmpty();
    }
}
