package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Finding;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.PlanCause;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.history.FsHistoryProvider;
import org.apache.spark.deploy.history.LoadedAppUI;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ui.SQLAppStatusStore;
import org.apache.spark.sql.execution.ui.SQLExecutionUIData;
import org.apache.spark.status.AppStatusStore;
import org.apache.spark.status.api.v1.ApplicationInfo;
import org.apache.spark.status.api.v1.JobData;
import org.apache.spark.status.api.v1.StageData;
import org.apache.spark.util.SystemClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spark event logs out and in, on logs real Spark wrote while real lab runs executed ({@link
 * RealEventLogs}): a run downloads as a log of its own that Spark's History Server opens with only
 * that run's jobs, stages and SQL executions; every shape of upload replays through the lab's
 * listener into runs that match what the lab measured live.
 */
@LabTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventLogTests {

    @Autowired
    SparkSession spark;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    RunSnapshots runs;

    @Autowired
    EventLogs eventLogs;

    @Autowired
    MockMvc mvc;

    @Autowired
    dev.breaklab.catalog.Catalog catalog;

    @Autowired
    JsonMapper json;

    RealEventLogs logs;

    @BeforeAll
    void writeLogs() throws Exception {
        logs = RealEventLogs.get(spark, new Runs(engine, validator, store), eventLogs);
    }

    // ---- out

    @Test
    void a_run_downloads_as_its_own_event_log_that_the_history_server_opens() throws Exception {
        RunSnapshot run = logs.aqe;
        MvcResult result = mvc.perform(get("/api/runs/" + run.id() + "/eventlog"))
                .andExpect(status().isOk())
                .andReturn();
        String disposition = result.getResponse().getHeader("Content-Disposition");
        assertThat(disposition).contains(logs.appId + "-run-" + run.id() + ".zstd");
        Path hsDir = Files.createTempDirectory(Path.of("target"), "history-server-");
        Files.write(
                hsDir.resolve(logs.appId + "-run-" + run.id() + ".zstd"),
                result.getResponse().getContentAsByteArray());

        SparkConf conf = new SparkConf(false)
                .set("spark.history.fs.logDirectory", hsDir.toUri().toString())
                .set("spark.history.fs.update.interval", "1h");
        FsHistoryProvider provider = new FsHistoryProvider(conf, new SystemClock());
        try {
            String appId = logs.appId + "-run-" + run.id();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                provider.checkForLogs();
                return listing(provider).stream().anyMatch(app -> app.id().equals(appId));
            });
            List<ApplicationInfo> apps = listing(provider);
            assertThat(apps).hasSize(1);
            assertThat(apps.get(0).attempts().head().completed()).isTrue();
            LoadedAppUI ui = provider.getAppUI(appId, Option.empty()).get();
            AppStatusStore status = ui.ui().store();
            List<Integer> jobs = CollectionConverters.asJava(status.jobsList(null)).stream()
                    .map(JobData::jobId)
                    .sorted()
                    .toList();
            assertThat(jobs)
                    .isEqualTo(
                            run.jobs().stream().map(JobSnapshot::jobId).sorted().toList());
            Set<Integer> stages =
                    CollectionConverters.asJava(
                                    status.stageList(null, false, false, new double[0], java.util.List.of()))
                            .stream()
                            .map(StageData::stageId)
                            .collect(Collectors.toCollection(TreeSet::new));
            assertThat(stages)
                    .isEqualTo(new TreeSet<>(
                            run.stages().stream().map(StageSnapshot::stageId).toList()));
            // The History Server counts the same tasks as the lab did live.
            long hsTasks =
                    CollectionConverters.asJava(
                                    status.stageList(null, false, false, new double[0], java.util.List.of()))
                            .stream()
                            .mapToLong(StageData::numCompleteTasks)
                            .sum();
            long labTasks = run.stages().stream()
                    .mapToLong(StageSnapshot::completedTasks)
                    .sum();
            assertThat(hsTasks).isEqualTo(labTasks);
            List<Long> executions =
                    CollectionConverters.asJava(new SQLAppStatusStore(status.store(), Option.empty()).executionsList())
                            .stream()
                            .map(SQLExecutionUIData::executionId)
                            .sorted()
                            .toList();
            assertThat(executions)
                    .isEqualTo(run.sql().stream()
                            .map(SqlSnapshot::executionId)
                            .sorted()
                            .toList());
        } finally {
            provider.stop();
        }
    }

    @Test
    void another_runs_log_holds_only_that_run() throws Exception {
        byte[] log = mvc.perform(
                        get("/api/runs/" + logs.tiny.id() + "/eventlog").param("codec", "none"))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsByteArray();
        String text = new String(log, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).startsWith("{\"Event\":\"SparkListenerLogStart\"");
        assertThat(text).contains("\"breaklab.runId\":\"" + logs.tiny.id() + "\"");
        assertThat(text).doesNotContain("\"breaklab.runId\":\"" + logs.aqe.id() + "\"");
        assertThat(text.strip()).endsWith("}");
        assertThat(text).contains("SparkListenerApplicationEnd");
    }

    @Test
    void unknown_runs_have_no_log() throws Exception {
        mvc.perform(get("/api/runs/nope/eventlog")).andExpect(status().isNotFound());
        mvc.perform(get("/api/runs/" + logs.tiny.id() + "/eventlog").param("codec", "gzip"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("codec"));
    }

    @Test
    void the_engine_says_where_its_event_logs_are() throws Exception {
        mvc.perform(get("/api/engine"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.mode").value("embedded"))
                .andExpect(jsonPath("$.applicationId").value(logs.appId))
                .andExpect(jsonPath("$.eventLogDir").value(org.hamcrest.Matchers.endsWith("event-logs")))
                .andExpect(jsonPath("$.applicationStartTime").isString());
    }

    @Test
    void the_import_page_offers_the_upload() throws Exception {
        mvc.perform(get("/imports"))
                .andExpect(status().isOk())
                .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.content()
                        .string(org.hamcrest.Matchers.containsString("id=\"import-form\"")));
    }

    // ---- in

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"plain", "zstd", "lz4", "snappy", "lzf", "inprogress-zstd"})
    void a_single_file_replays_into_runs_that_match_the_live_ones(String shape) throws Exception {
        Path log = logs.logs.get(shape);
        JsonNode done = importFile(log.getFileName().toString(), Files.readAllBytes(log));
        assertMatchesLive(done);
    }

    @Test
    void jobs_outside_sql_become_one_run_per_job_group() throws Exception {
        Path log = logs.logs.get("plain");
        List<RunSnapshot> imported = imported(importFile(log.getFileName().toString(), Files.readAllBytes(log)));
        assertThat(imported)
                // "<application name> · <the job's description>"
                .filteredOn(r -> r.description().endsWith(" · " + RealEventLogs.RDD_DESCRIPTION))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.source()).isEqualTo("import");
                    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                    assertThat(r.sql()).isEmpty();
                    assertThat(r.jobs()).hasSize(1);
                    assertThat(r.stages()).hasSize(2);
                    assertThat(r.stages())
                            .allSatisfy(s -> assertThat(s.completedTasks()).isPositive());
                });
    }

    @Test
    void a_zipped_rolling_folder_replays_in_order() throws Exception {
        assertThat(logs.rollingFiles()).as("the rolling log really rolled").isGreaterThan(1);
        Path zip = logs.zippedRollingFolder();
        assertMatchesLive(importFile("rolling.zip", Files.readAllBytes(zip)));
    }

    @Test
    void the_history_servers_zip_replays() throws Exception {
        assertMatchesLive(importFile("logs.zip", Files.readAllBytes(logs.historyServerZip("rolling"))));
        assertMatchesLive(importFile("eventLogs-app.zip", Files.readAllBytes(logs.historyServerZip("lz4"))));
    }

    @Test
    void an_in_progress_log_with_a_cut_off_last_line_is_accepted() throws Exception {
        Path truncated = logs.truncatedInProgress();
        JsonNode done = importFile(truncated.getFileName().toString(), Files.readAllBytes(truncated));
        assertThat(done.get("warnings").toString()).contains("cut off");
        assertThat(done.get("runs").size()).isGreaterThan(0);
    }

    @Test
    void a_downloaded_run_imports_as_that_run_alone() throws Exception {
        byte[] log = mvc.perform(get("/api/runs/" + logs.aqe.id() + "/eventlog"))
                .andReturn()
                .getResponse()
                .getContentAsByteArray();
        JsonNode done = importFile("run.zstd", log);
        List<RunSnapshot> imported = imported(done);
        Set<Integer> jobs = new HashSet<>();
        imported.forEach(r -> r.jobs().forEach(j -> jobs.add(j.jobId())));
        assertThat(jobs)
                .isEqualTo(new HashSet<>(
                        logs.aqe.jobs().stream().map(JobSnapshot::jobId).toList()));
    }

    @Test
    void findings_link_to_the_lesson_that_teaches_them() throws Exception {
        JsonNode lessons = json.readTree(mvc.perform(get("/api/findings/lessons"))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString());
        for (var experiment : catalog.all()) {
            String kind = experiment.definition().primaryFinding();
            if (kind != null) {
                assertThat(lessons.get(kind).toString())
                        .contains("\"" + experiment.definition().id() + "\"");
            }
        }
        // The imported tiny-partitions run shows tiny tasks, and that finding names its lesson.
        assertThat(lessons.get("tiny-tasks").toString()).contains("\"tiny-partitions\"");
        JsonNode done = importFile("app.lz4", Files.readAllBytes(logs.logs.get("lz4")));
        assertThat(kinds(imported(done))).contains("tiny-tasks");
    }

    // ---- helpers

    static List<ApplicationInfo> listing(FsHistoryProvider provider) {
        List<ApplicationInfo> out = new ArrayList<>();
        CollectionConverters.asJava(provider.getListing()).forEachRemaining(out::add);
        return out;
    }

    JsonNode importFile(String name, byte[] bytes) throws Exception {
        return importFile(name, bytes, null);
    }

    JsonNode importFile(String name, byte[] bytes, String redact) throws Exception {
        var request =
                multipart("/api/imports").file(new MockMultipartFile("file", name, "application/octet-stream", bytes));
        if (redact != null) {
            request.param("redact", redact);
        }
        MvcResult accepted =
                mvc.perform(request).andExpect(status().isAccepted()).andReturn();
        String id = json.readTree(accepted.getResponse().getContentAsString())
                .get("id")
                .asString();
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    last[0] = json.readTree(mvc.perform(get("/api/imports/" + id))
                            .andReturn()
                            .getResponse()
                            .getContentAsString());
                    return !"RUNNING".equals(last[0].get("status").asString());
                });
        assertThat(last[0].get("status").asString()).as(last[0].toString()).isEqualTo("SUCCEEDED");
        assertThat(last[0].get("progress").get("fraction").asDouble()).isEqualTo(1.0);
        return last[0];
    }

    List<RunSnapshot> imported(JsonNode done) {
        List<RunSnapshot> out = new ArrayList<>();
        done.get("runs").forEach(id -> out.add(runs.find(id.asString()).orElseThrow()));
        return out;
    }

    /** Each live run's jobs came back as imported runs with the same stages, plans, metrics and findings. */
    void assertMatchesLive(JsonNode done) {
        List<RunSnapshot> imported = imported(done);
        for (RunSnapshot live : List.of(logs.tiny, logs.aqe)) {
            Set<Integer> liveJobs = live.jobs().stream().map(JobSnapshot::jobId).collect(Collectors.toSet());
            List<RunSnapshot> mine = imported.stream()
                    .filter(r -> r.jobs().stream().anyMatch(j -> liveJobs.contains(j.jobId())))
                    .toList();
            assertThat(mine).as("imported runs of %s", live.description()).isNotEmpty();
            for (RunSnapshot r : mine) {
                assertThat(r.source()).isEqualTo("import");
                assertThat(r.imported()).isTrue();
                assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
                assertThat(r.stagePrediction())
                        .as("stage prediction of %s", r.description())
                        .isNotNull();
            }
            assertThat(stages(mine)).as("stages of %s", live.description()).isEqualTo(stages(List.of(live)));
            assertThat(mine.stream()
                            .flatMap(r -> r.sql().stream())
                            .map(this::plans)
                            .toList())
                    .as("plan versions of %s", live.description())
                    .isEqualTo(live.sql().stream().map(this::plans).toList());
            assertThat(metrics(mine))
                    .as("final plan metrics of %s", live.description())
                    .isEqualTo(metrics(List.of(live)));
            assertThat(kinds(mine)).as("findings of %s", live.description()).isEqualTo(kinds(List.of(live)));
        }
    }

    List<String> stages(List<RunSnapshot> of) {
        return of.stream()
                .flatMap(r -> r.stages().stream())
                .sorted(Comparator.comparingInt(StageSnapshot::stageId).thenComparingInt(StageSnapshot::attemptId))
                .map(s -> s.stageId() + "." + s.attemptId() + " " + s.status() + " tasks=" + s.numTasks() + "/"
                        + s.completedTasks() + " in=" + s.inputBytes() + " read=" + s.shuffleReadBytes() + " write="
                        + s.shuffleWriteBytes() + " p50="
                        + s.taskShuffleReadBytes().p50())
                .toList();
    }

    List<String> plans(SqlSnapshot sql) {
        return sql.plans().stream().map(p -> p.cause() + ":" + names(p.tree())).toList();
    }

    static String names(PlanNode node) {
        return node.nodeName()
                + node.children().stream().map(EventLogTests::names).collect(Collectors.joining(",", "(", ")"));
    }

    /** Every final-plan metric as a number (sums exact; per-task sizes and timings by their exact total). */
    Map<String, Long> metrics(List<RunSnapshot> of) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (RunSnapshot r : of) {
            for (SqlSnapshot sql : r.sql()) {
                PlanVersion last = sql.plans().get(sql.plans().size() - 1);
                assertThat(last.cause()).isEqualTo(PlanCause.FINAL);
                collect(sql.executionId() + "", last.tree(), out);
            }
        }
        return out;
    }

    static void collect(String path, PlanNode node, Map<String, Long> out) {
        for (PlanNode.PlanMetric m : node.metrics()) {
            if (m.value() != null && !m.type().equals("timing") && !m.type().equals("nsTiming")) {
                SparkMetricText.parse(m.value())
                        .ifPresent(v -> out.put(path + "/" + node.nodeName() + "/" + m.name(), v));
            }
        }
        for (int i = 0; i < node.children().size(); i++) {
            collect(path + "/" + i, node.children().get(i), out);
        }
    }

    static Set<String> kinds(List<RunSnapshot> of) {
        return of.stream()
                .flatMap(r -> r.findings().stream())
                .map(Finding::kind)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
