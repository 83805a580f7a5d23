package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The lab's figures are Spark's own: a lab in {@code local-cluster} mode with the Spark UI on runs
 * cluster lessons (a network shuffle with remote reads; an executor lost mid-stage), then every
 * executor the lab shows ({@code GET /api/engine}) and every stage attempt and per-run executor of
 * those runs ({@code GET /api/runs/{id}}) is compared, field by field, with what Spark's REST API
 * answers from its status store ({@code /api/v1/applications/{app}/allexecutors} and
 * {@code /stages/{id}/{attempt}}). Both are fed by the same listener events on the same queue
 * (Spark's status queue), so when a run is over (the lab's drain marker has passed that queue) the
 * figures are equal, not close.
 *
 * <p>The differences that are the lab's on purpose are named where they are compared:
 *
 * <ul>
 *   <li>a stage's {@code peakExecutionMemory} is the largest task's peak in the lab (what a learner
 *       compares with the executor's memory); Spark's stage field is the sum over its tasks, so the
 *       lab's figure is compared with the largest of Spark's task figures;
 *   <li>storage memory used: Spark 4.2's status store adds a removed block's memory once more (a
 *       removal now comes as the block's level with replication 0, SPARK-47702, and the store looks
 *       only at {@code useMemory}), so its figure grows with every cleaned-up broadcast; the lab drops
 *       the block. The lab's figure is compared as never above Spark's;
 *   <li>a removed executor runs no task and holds no memory in the lab; Spark keeps the active tasks
 *       and memory it had when it removed the executor (its other figures stop there, in both);
 *   <li>the driver runs no task in a cluster: the lab's task and GC time of the driver are 0, where
 *       Spark's REST API puts the application's uptime and the driver JVM's total GC time;
 *   <li>a run's executors count a killed task as failed ({@code failedTasks} = Spark's failed +
 *       killed), and its tasks and task time are those of the run's stages only.
 * </ul>
 *
 * <p>Spark writes a live entity to its status store at most every {@code spark.ui.liveUpdate.period}
 * (100 ms) unless the entity goes idle: the lab under test sets it to 0, so the store is written on
 * every event and nothing but the events decides the figures. Expensive (five JVMs): run it alone,
 * under the shared lock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkRestFiguresTests {

    private static final Path DATA = Path.of("target", "spark-rest-figures-test");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final DateTimeFormatter SPARK_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'GMT'");
    private static final List<String> PEAKS = List.of(
            "JVMHeapMemory:peakJvmHeapBytes",
            "OnHeapExecutionMemory:peakExecutionMemoryBytes",
            "OnHeapStorageMemory:peakStorageMemoryBytes",
            "OnHeapUnifiedMemory:peakUnifiedMemoryBytes");

    private static LabProcess lab;
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final List<JsonNode> runs = new ArrayList<>();

    @BeforeAll
    static void start_the_lab_in_local_cluster_mode_with_the_spark_ui() throws Exception {
        lab = LabProcess.startRunning(
                DATA,
                List.of("-Dspark.ui.liveUpdate.period=0"),
                "--lab.engine.mode=local-cluster",
                "--lab.engine.ui-enabled=true",
                "--lab.engine.ui-port=0");
    }

    @AfterAll
    static void stop_the_lab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void cluster_lessons_run_with_remote_shuffle_reads_and_a_lost_executor() throws Exception {
        JsonNode shuffle = lab.run("network-shuffle", "broken", Map.of(), Duration.ofMinutes(3));
        assertThat(shuffle.path("status").asText()).as(shuffle.toString()).isEqualTo("SUCCEEDED");
        runs.add(shuffle);
        long remote = 0;
        for (JsonNode stage : shuffle.path("stages")) {
            remote += stage.path("shuffleRemoteBytesRead").asLong();
        }
        assertThat(remote).as("remote shuffle bytes of network-shuffle").isPositive();

        JsonNode lost = lab.run("executor-lost", "broken", Map.of(), Duration.ofMinutes(3));
        assertThat(lost.path("status").asText()).as(lost.toString()).isEqualTo("SUCCEEDED");
        runs.add(lost);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);
    }

    @Test
    @Order(2)
    void every_executor_the_lab_shows_has_sparks_figures() throws Exception {
        List<String> differences = List.of();
        // Heartbeats go on after the runs and may raise a peak between the two reads: compare a
        // moment when the lab's figures did not move around Spark's answer.
        for (int attempt = 0; attempt < 5; attempt++) {
            JsonNode before = lab.get("/api/engine");
            JsonNode spark = spark(before, "/allexecutors");
            JsonNode after = lab.get("/api/engine");
            if (!before.path("executors").equals(after.path("executors"))) {
                continue;
            }
            differences = compareExecutors(before.path("executors"), spark);
            if (differences.isEmpty()) {
                break;
            }
        }
        JsonNode engine = lab.get("/api/engine");
        System.out.println("lab executors: " + engine.path("executors"));
        assertThat(differences).as("lab vs Spark REST, executors").isEmpty();
        long removed = 0;
        for (JsonNode executor : engine.path("executors")) {
            removed += executor.path("active").asBoolean() ? 0 : 1;
        }
        assertThat(removed).as("executors removed by executor-lost").isPositive();
    }

    @Test
    @Order(3)
    void every_stage_attempt_and_run_executor_of_a_run_has_sparks_figures() throws Exception {
        JsonNode engine = lab.get("/api/engine");
        List<String> differences = new ArrayList<>();
        int stages = 0;
        for (JsonNode run : runs) {
            String where = run.path("experimentId").asText() + "/"
                    + run.path("variant").asText();
            Map<String, long[]> perExecutor = new TreeMap<>();
            for (JsonNode stage : run.path("stages")) {
                stages++;
                String path = "/stages/" + stage.path("stageId").asInt() + "/"
                        + stage.path("attemptId").asInt() + "?details=true";
                differences.addAll(compareStage(where, stage, spark(engine, path), perExecutor));
            }
            for (JsonNode executor : run.path("executors")) {
                String id = executor.path("executorId").asText();
                long[] spark = perExecutor.getOrDefault(id, new long[7]);
                String at = where + " executor " + id;
                check(differences, at, "tasks", executor.path("tasks").asLong(), spark[0]);
                check(
                        differences,
                        at,
                        "failedTasks (failed + killed)",
                        executor.path("failedTasks").asLong(),
                        spark[1]);
                check(differences, at, "taskTimeMs", executor.path("taskTimeMs").asLong(), spark[2]);
                check(differences, at, "inputBytes", executor.path("inputBytes").asLong(), spark[3]);
                check(
                        differences,
                        at,
                        "shuffleReadBytes",
                        executor.path("shuffleReadBytes").asLong(),
                        spark[4]);
                check(
                        differences,
                        at,
                        "shuffleWriteBytes",
                        executor.path("shuffleWriteBytes").asLong(),
                        spark[5]);
                check(differences, at, "gcTimeMs", executor.path("gcTimeMs").asLong(), spark[6]);
                perExecutor.remove(id);
            }
            perExecutor.forEach((id, figures) -> {
                if (figures[0] > 0) {
                    differences.add(where + " executor " + id + ": Spark counts " + figures[0]
                            + " tasks, the run does not list it");
                }
            });
        }
        assertThat(stages).isGreaterThanOrEqualTo(4);
        assertThat(differences)
                .as("lab vs Spark REST, stages and run executors")
                .isEmpty();
    }

    private static List<String> compareExecutors(JsonNode labExecutors, JsonNode sparkExecutors) {
        List<String> differences = new ArrayList<>();
        Map<String, JsonNode> spark = new LinkedHashMap<>();
        sparkExecutors.forEach(e -> spark.put(e.path("id").asText(), e));
        Map<String, JsonNode> ours = new LinkedHashMap<>();
        labExecutors.forEach(e -> ours.put(e.path("executorId").asText(), e));
        check(differences, "executors", "ids", new TreeMap<>(ours).keySet(), new TreeMap<>(spark).keySet());
        ours.forEach((id, e) -> {
            JsonNode s = spark.get(id);
            if (s == null) {
                return;
            }
            String at = "executor " + id;
            boolean active = s.path("isActive").asBoolean();
            check(
                    differences,
                    at,
                    "host",
                    e.path("host").asText(),
                    s.path("hostPort").asText().replaceAll(":\\d+$", ""));
            check(
                    differences,
                    at,
                    "cores",
                    e.path("cores").asInt(),
                    s.path("totalCores").asInt());
            check(differences, at, "active", e.path("active").asBoolean(), active);
            check(differences, at, "addedAt", instant(e.path("addedAt")), sparkInstant(s.path("addTime")));
            check(differences, at, "removedAt", instant(e.path("removedAt")), sparkInstant(s.path("removeTime")));
            check(differences, at, "removedReason", text(e.path("removedReason")), text(s.path("removeReason")));
            // Spark leaves a task that was running when it removed the executor active on it.
            check(
                    differences,
                    at,
                    "activeTasks",
                    e.path("activeTasks").asLong(),
                    active ? s.path("activeTasks").asLong() : 0L);
            check(
                    differences,
                    at,
                    "completedTasks",
                    e.path("completedTasks").asLong(),
                    s.path("completedTasks").asLong());
            check(
                    differences,
                    at,
                    "failedTasks",
                    e.path("failedTasks").asLong(),
                    s.path("failedTasks").asLong());
            boolean driver = id.equals("driver");
            check(
                    differences,
                    at,
                    "taskTimeMs",
                    e.path("taskTimeMs").asLong(),
                    driver ? 0L : s.path("totalDuration").asLong());
            check(
                    differences,
                    at,
                    "gcTimeMs",
                    e.path("gcTimeMs").asLong(),
                    driver ? 0L : s.path("totalGCTime").asLong());
            check(
                    differences,
                    at,
                    "shuffle read (local + remote)",
                    e.path("shuffleLocalBytesRead").asLong()
                            + e.path("shuffleRemoteBytesRead").asLong(),
                    s.path("totalShuffleRead").asLong());
            check(
                    differences,
                    at,
                    "shuffleWriteBytes",
                    e.path("shuffleWriteBytes").asLong(),
                    s.path("totalShuffleWrite").asLong());
            check(
                    differences,
                    at,
                    "storageMemoryTotalBytes",
                    e.path("storageMemoryTotalBytes").asLong(),
                    s.path("maxMemory").asLong());
            if (active) {
                long used = e.path("storageMemoryUsedBytes").asLong();
                long sparks = s.path("memoryUsed").asLong();
                if (used > sparks) {
                    differences.add(at + " storageMemoryUsedBytes: lab " + used + " above Spark's " + sparks);
                }
            } else {
                check(
                        differences,
                        at,
                        "storageMemoryUsedBytes of a removed executor",
                        e.path("storageMemoryUsedBytes").asLong(),
                        0L);
            }
            for (String peak : PEAKS) {
                String[] names = peak.split(":");
                check(
                        differences,
                        at,
                        names[1],
                        e.path(names[1]).asLong(),
                        s.path("peakMemoryMetrics").path(names[0]).asLong(0));
            }
        });
        return differences;
    }

    private static List<String> compareStage(String run, JsonNode stage, JsonNode s, Map<String, long[]> perExecutor) {
        List<String> differences = new ArrayList<>();
        String at = run + " stage " + stage.path("stageId").asInt() + "."
                + stage.path("attemptId").asInt();
        check(
                differences,
                at,
                "status",
                stage.path("status").asText(),
                s.path("status").asText());
        check(
                differences,
                at,
                "name",
                stage.path("name").asText(),
                s.path("name").asText());
        check(
                differences,
                at,
                "numTasks",
                stage.path("numTasks").asLong(),
                s.path("numTasks").asLong());
        check(
                differences,
                at,
                "completedTasks",
                stage.path("completedTasks").asLong(),
                s.path("numCompleteTasks").asLong());
        check(
                differences,
                at,
                "failedTasks",
                stage.path("failedTasks").asLong(),
                s.path("numFailedTasks").asLong());
        check(
                differences,
                at,
                "killedTasks",
                stage.path("killedTasks").asLong(),
                s.path("numKilledTasks").asLong());
        check(
                differences,
                at,
                "activeTasks",
                stage.path("activeTasks").asLong(),
                s.path("numActiveTasks").asLong());
        check(
                differences,
                at,
                "submittedAt",
                instant(stage.path("submittedAt")),
                sparkInstant(s.path("submissionTime")));
        check(
                differences,
                at,
                "completedAt",
                instant(stage.path("completedAt")),
                sparkInstant(s.path("completionTime")));
        check(differences, at, "failureReason", text(stage.path("failureReason")), text(s.path("failureReason")));
        String[][] sums = {
            {"inputBytes", "inputBytes"},
            {"inputRecords", "inputRecords"},
            {"outputBytes", "outputBytes"},
            {"shuffleReadBytes", "shuffleReadBytes"},
            {"shuffleRemoteBytesRead", "shuffleRemoteBytesRead"},
            {"shuffleReadRecords", "shuffleReadRecords"},
            {"shuffleWriteBytes", "shuffleWriteBytes"},
            {"shuffleWriteRecords", "shuffleWriteRecords"},
            {"memorySpilledBytes", "memoryBytesSpilled"},
            {"diskSpilledBytes", "diskBytesSpilled"},
            {"gcTimeMs", "jvmGcTime"},
            {"executorRunTimeMs", "executorRunTime"},
            {"resultSizeBytes", "resultSize"},
        };
        for (String[] sum : sums) {
            check(
                    differences,
                    at,
                    sum[0],
                    stage.path(sum[0]).asLong(),
                    s.path(sum[1]).asLong());
        }
        long largestPeak = 0;
        for (JsonNode task : s.path("tasks")) {
            largestPeak = Math.max(
                    largestPeak,
                    task.path("taskMetrics").path("peakExecutionMemory").asLong());
            long[] figures = perExecutor.computeIfAbsent(task.path("executorId").asText(), k -> new long[7]);
            figures[6] += task.path("taskMetrics").path("jvmGcTime").asLong();
        }
        check(
                differences,
                at,
                "peakExecutionMemory (largest task's)",
                stage.path("peakExecutionMemory").asLong(),
                largestPeak);
        for (Map.Entry<String, JsonNode> entry : s.path("executorSummary").properties()) {
            JsonNode e = entry.getValue();
            long[] figures = perExecutor.computeIfAbsent(entry.getKey(), k -> new long[7]);
            figures[0] += e.path("succeededTasks").asLong()
                    + e.path("failedTasks").asLong()
                    + e.path("killedTasks").asLong();
            figures[1] += e.path("failedTasks").asLong() + e.path("killedTasks").asLong();
            figures[2] += e.path("taskTime").asLong();
            figures[3] += e.path("inputBytes").asLong();
            figures[4] += e.path("shuffleRead").asLong();
            figures[5] += e.path("shuffleWrite").asLong();
        }
        return differences;
    }

    private static void check(List<String> differences, String at, String field, Object lab, Object spark) {
        if (!Objects.equals(lab, spark)) {
            differences.add(at + " " + field + ": lab " + lab + ", Spark " + spark);
        }
    }

    private static String text(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.asText();
    }

    private static Long instant(JsonNode node) {
        return node.isMissingNode() || node.isNull()
                ? null
                : Instant.parse(node.asText()).toEpochMilli();
    }

    private static Long sparkInstant(JsonNode node) {
        return node.isMissingNode() || node.isNull()
                ? null
                : LocalDateTime.parse(node.asText(), SPARK_DATE)
                        .toInstant(ZoneOffset.UTC)
                        .toEpochMilli();
    }

    /** Spark's REST API on the driver's UI, for the lab's application. */
    private static JsonNode spark(JsonNode engine, String path) throws IOException, InterruptedException {
        // The UI's own URL names the driver's host name; the lab's UI answers loopback.
        int port = URI.create(engine.path("sparkUiUrl").asText()).getPort();
        String url = "http://127.0.0.1:" + port + "/api/v1/applications/"
                + engine.path("applicationId").asText() + path;
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
