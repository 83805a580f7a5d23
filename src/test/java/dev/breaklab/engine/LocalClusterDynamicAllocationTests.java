package dev.breaklab.engine;

import static dev.breaklab.engine.LocalClusterTests.assertEvidenceAsExpected;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The lab in {@code local-cluster} mode with dynamic allocation
 * ({@code lab.engine.cluster.dynamic-allocation=true}): executors are released when idle and
 * acquired when tasks queue. A lab process of its own (the setting is fixed when Spark's application
 * starts). Expensive: run it alone, under the shared lock.
 */
class LocalClusterDynamicAllocationTests {

    private static final Path DATA = Path.of("target", "local-cluster-dynamic-allocation-test");
    private static LabProcess lab;

    @BeforeAll
    static void start_the_lab_with_dynamic_allocation() throws Exception {
        lab = LabProcess.startRunning(
                DATA, List.of(), "--lab.engine.mode=local-cluster", "--lab.engine.cluster.dynamic-allocation=true");
    }

    @AfterAll
    static void stop_the_lab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void idle_executors_dynamic_releases_the_idle_executor_and_acquires_one_when_tasks_queue() throws Exception {
        System.out.printf(
                "local cluster with dynamic allocation: lab process start to engine running %d ms%n", lab.readyMs());
        long start = System.nanoTime();
        JsonNode run = lab.run("idle-executors", "dynamic", Map.of(), Duration.ofMinutes(2));
        System.out.printf(
                "local cluster: idle-executors dynamic took %d ms (run %d ms)%n",
                (System.nanoTime() - start) / 1_000_000, run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertEvidenceAsExpected(run);
        List<String> reasons = new ArrayList<>();
        List<String> added = new ArrayList<>();
        run.path("executors").forEach(e -> {
            reasons.add(e.path("removedReason").asText(""));
            added.add(e.path("executorId").asText());
        });
        System.out.printf("executors of the run: %s, removed: %s%n", added, reasons);
        assertThat(reasons).as(run.path("executors").toString()).contains("Executor killed by driver.");
    }
}
