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
import org.openqa.selenium.support.ui.Select;
import org.opentest4j.TestAbortedException;
import tools.jackson.databind.JsonNode;

/**
 * Switching the engine at runtime ({@code PUT /api/engine}) on the whole lab, as a JVM of its own:
 * switching stops the JVM's one SparkContext, which the rest of the test suite shares. It starts
 * embedded, switches to the local cluster (its Master, Workers and executors as child processes),
 * runs a cluster lesson there, switches back and leaves no child process behind. The switches are
 * made as the lab's own user would in headless Chromium (a cluster lesson's refused run offers
 * "Start the local cluster"; the home page's switch goes back), or through the API where no browser
 * is installed (not on CI). Expensive (a local cluster start): run it alone, under the shared lock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EngineSwitchTests {

    private static final Path DATA = Path.of("target", "engine-switch-test");
    private static final Path LOG = DATA.resolve("lab.log");
    private static final Map<String, Object> SMALL = Map.of("rows", 100_000);
    private static LabProcess lab;
    private static final List<ProcessHandle> cluster = new ArrayList<>();
    /** Null where no browser is installed: the switches go through the API then. */
    private static Browser browser;

    @BeforeAll
    static void start_the_lab_embedded() throws Exception {
        lab = LabProcess.startRunning(DATA, List.of());
        try {
            browser = Browser.open(lab.port());
        } catch (TestAbortedException noBrowser) {
            browser = null;
        }
    }

    @AfterAll
    static void stop_the_lab() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    @Test
    @Order(1)
    void embedded_a_lesson_runs_and_a_cluster_lesson_is_refused_with_the_switch_as_its_action() throws Exception {
        assertThat(lab.get("/api/engine").path("mode").asText()).isEqualTo("embedded");
        JsonNode run = lab.run("aqe-coalesce", "fixed", SMALL, Duration.ofMinutes(3));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");

        JsonNode refused =
                lab.post("/api/runs", Map.of("experimentId", "executor-lost", "variant", "broken", "knobs", Map.of()));
        assertThat(refused.path("status").asInt()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.path("action").path("href").asText()).isEqualTo("/api/engine");

        if (browser != null) {
            // The lesson's page says so, and a run refused for it offers to start the local cluster.
            browser.go("/experiments/executor-lost");
            browser.awaitVisible("#needs-cluster .start-cluster", Duration.ofSeconds(10));
            browser.awaitVisible("#variants input[name=variant]", Duration.ofSeconds(10));
            browser.find("#run-button").click();
            browser.awaitVisible("#form-status .start-cluster", Duration.ofSeconds(10));
            assertThat(browser.find("#form-status").getText()).contains("needs separate executor processes");
            // The browser logs the refused request itself; nothing else may be wrong.
            assertThat(browser.consoleErrors()).allMatch(e -> e.contains("/api/runs") && e.contains("409"));
        }
    }

    @Test
    @Order(2)
    void switching_to_the_local_cluster_keeps_a_run_queued_meanwhile_and_runs_it_on_the_cluster() throws Exception {
        long start = System.nanoTime();
        if (browser != null) {
            browser.find("#form-status .start-cluster").click();
            browser.await(Duration.ofSeconds(10), d -> !mode().equals("embedded"));
        } else {
            LabProcess.Answer answer = lab.put("/api/engine", Map.of("mode", "local-cluster"));
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
        }
        JsonNode switching = lab.get("/api/engine");
        assertThat(switching.path("mode").asText()).isEqualTo("local-cluster");
        assertThat(switching.path("state").asText()).isIn("switching", "starting");

        // A second switch while this one is under way is refused.
        assertThat(lab.put("/api/engine", Map.of("mode", "embedded")).status()).isEqualTo(409);

        // Submitted mid-switch: it waits in the queue for the new session, and runs there.
        JsonNode queued =
                lab.post("/api/runs", Map.of("experimentId", "aqe-coalesce", "variant", "fixed", "knobs", SMALL));
        assertThat(queued.path("status").asText()).as(queued.toString()).isEqualTo("QUEUED");

        if (browser != null) {
            browser.await(
                    Duration.ofMinutes(3),
                    d -> browser.find("#form-status").getText().contains("you can run"));
            assertThat(browser.find("#run-button").isEnabled()).isTrue();
            assertThat(browser.all("#needs-cluster")).isEmpty();
        }
        lab.awaitEngineRunning(LOG);
        System.out.printf(
                "engine switch embedded -> local-cluster: %d ms to running%n", (System.nanoTime() - start) / 1_000_000);
        JsonNode engine = lab.get("/api/engine");
        assertThat(engine.path("mode").asText()).isEqualTo("local-cluster");
        assertThat(engine.path("master").asText()).startsWith("spark://127.0.0.1:");
        assertThat(engine.path("activeExecutors").asInt()).isEqualTo(2);
        assertThat(engine.path("switchingFrom").isNull()).isTrue();
        List<String> ids = new ArrayList<>();
        engine.path("executors").forEach(e -> {
            ids.add(e.path("executorId").asText());
            assertThat(e.path("active").asBoolean()).as(e.toString()).isTrue();
        });
        // The embedded context's driver is gone with it: this is the new application's.
        assertThat(ids).containsExactly("driver", "0", "1");

        JsonNode ran = awaitFinished(queued.path("id").asText());
        assertThat(ran.path("status").asText()).as(ran.toString()).isEqualTo("SUCCEEDED");
        List<String> executors = new ArrayList<>();
        ran.path("executors").forEach(e -> executors.add(e.path("executorId").asText()));
        assertThat(executors).isNotEmpty().doesNotContain("driver");

        lab.process()
                .descendants()
                .filter(p ->
                        p.info().commandLine().orElse("").matches(".*deploy\\.(master\\.Master|worker\\.Worker).*"))
                .forEach(cluster::add);
        assertThat(cluster).hasSize(3); // the master and two workers
        lab.process()
                .descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .forEach(cluster::add);
        assertThat(cluster).hasSize(5);
    }

    @Test
    @Order(3)
    void a_cluster_lesson_runs_to_success_with_its_evidence_holding() throws Exception {
        JsonNode run = lab.run("executor-lost", "broken", Map.of(), Duration.ofMinutes(3));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertThat(run.path("evidence")).isNotEmpty();
        run.path("evidence").forEach(e -> assertThat(e.path("holds").asBoolean())
                .as(e.toString())
                .isEqualTo(e.path("expected").asBoolean(true)));
    }

    @Test
    @Order(4)
    void switching_back_to_embedded_leaves_no_cluster_process_and_lessons_run_with_telemetry() throws Exception {
        long start = System.nanoTime();
        if (browser != null) {
            browser.go("/");
            assertThat(browser.find("[data-engine-mode]").getText()).isEqualTo("local-cluster");
            new Select(browser.find("#engine-mode")).selectByValue("embedded");
            browser.find("#engine-switch-button").click();
            // The page reloads once the new engine runs.
            browser.await(
                    Duration.ofMinutes(3),
                    d -> browser.find("[data-engine-mode]").getText().equals("embedded"));
            assertThat(browser.consoleErrors()).as("console errors").isEmpty();
        } else {
            LabProcess.Answer answer = lab.put("/api/engine", Map.of("mode", "embedded"));
            assertThat(answer.status()).as(answer.body().toString()).isEqualTo(202);
        }
        lab.awaitEngineRunning(LOG);
        System.out.printf(
                "engine switch local-cluster -> embedded: %d ms to running%n", (System.nanoTime() - start) / 1_000_000);

        JsonNode engine = lab.get("/api/engine");
        assertThat(engine.path("mode").asText()).isEqualTo("embedded");
        assertThat(engine.path("master").asText()).startsWith("local[");
        assertThat(engine.path("activeExecutors").asInt()).isZero();
        List<String> ids = new ArrayList<>();
        engine.path("executors").forEach(e -> ids.add(e.path("executorId").asText()));
        assertThat(ids).containsExactly("driver");

        assertThat(cluster).isNotEmpty();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(lab.process().descendants().map(p -> p.info().commandLine().orElse("")))
                .noneMatch(c -> c.contains("org.apache.spark.deploy") || c.contains("CoarseGrainedExecutorBackend"));

        JsonNode run = lab.run("aqe-coalesce", "fixed", SMALL, Duration.ofMinutes(3));
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        assertThat(run.path("stages")).as(run.toString()).isNotEmpty();
        assertThat(run.path("jobs")).isNotEmpty();

        // The mode it runs already: nothing happens.
        assertThat(lab.put("/api/engine", Map.of("mode", "embedded")).status()).isEqualTo(200);
    }

    private static String mode() {
        try {
            return lab.get("/api/engine").path("mode").asText();
        } catch (Exception e) {
            return "?";
        }
    }

    private static JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode run = lab.get("/api/runs/" + id);
            String status = run.path("status").asText();
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return run;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("run " + id + " did not finish");
    }
}
