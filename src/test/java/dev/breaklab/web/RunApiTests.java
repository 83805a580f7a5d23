package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import dev.breaklab.LabTest;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Question;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.insight.Insight;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The run API on the whole lab with real runs. Bad input, which never reaches Spark, is covered by
 * the slice test {@link RunControllerTests}.
 */
@LabTest
class RunApiTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    RunEngine engine;

    @Autowired
    Catalog catalog;

    @Autowired
    Insight insight;

    @Test
    void an_unknown_run_cannot_be_cancelled() throws Exception {
        mvc.perform(delete("/api/runs/nope"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("id"));
    }

    @Test
    void a_full_queue_answers_429_with_retry_after() throws Exception {
        Runs runs = new Runs(engine, validator, store);
        List<RunSnapshot> started = new ArrayList<>();
        try {
            RunSnapshot running = runs.submit("tiny-partitions", "broken", Map.of("shufflePartitions", 10_000L), 60);
            started.add(running);
            runs.awaitStatus(running.id(), RunStatus.RUNNING, Duration.ofSeconds(30));
            for (int i = 0; i < 3; i++) {
                started.add(runs.submit("tiny-partitions", "fixed"));
            }

            mvc.perform(post("/api/runs")
                            .contentType(MediaType.APPLICATION_JSON)
                            .content("{\"experimentId\":\"tiny-partitions\",\"variant\":\"fixed\"}"))
                    .andExpect(status().isTooManyRequests())
                    .andExpect(header().exists("Retry-After"))
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        } finally {
            for (RunSnapshot run : started) {
                if (!runs.current(run.id()).status().finished()) {
                    mvc.perform(delete("/api/runs/" + run.id())).andExpect(status().isOk());
                }
            }
            for (RunSnapshot run : started) {
                runs.awaitFinished(run.id(), Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void a_finished_run_has_its_stage_graph_plan_numbers_plan_diffs_and_snippets() throws Exception {
        RunSnapshot run = new Runs(engine, validator, store).run("tiny-partitions", "fixed");
        assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
        String id = run.id();

        // The stage graph's edges are Spark's parentIds, and they point at stages of the run.
        List<Integer> stageIds =
                run.stages().stream().map(StageSnapshot::stageId).toList();
        assertThat(run.stages()).anySatisfy(s -> assertThat(s.parentIds()).isNotEmpty());
        assertThat(run.stages().stream().flatMap(s -> s.parentIds().stream())).allMatch(stageIds::contains);
        mvc.perform(get("/api/runs/" + id))
                .andExpect(jsonPath("$.stages[*].parentIds").isArray())
                // Plan metrics come with their numbers: nobody parses Spark's text again.
                .andExpect(jsonPath(
                        "$.sql[*].plans[*]..metrics[?(@.name=='number of output rows' && @.amount > 0)]",
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.empty())));

        // What AQE changed, version to version, with the node path the page marks.
        SqlSnapshot sql =
                run.sql().stream().filter(q -> q.plans().size() > 1).findFirst().orElseThrow();
        String diff = "/api/runs/" + id + "/plans/" + sql.executionId() + "/diff";
        mvc.perform(get(diff).param("from", "0"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.from").value(0))
                .andExpect(jsonPath("$.to").value(sql.plans().size() - 1))
                .andExpect(jsonPath(
                        "$.diff.changes[?(@.kind=='ADDED' && @.operator=='AQEShuffleRead')].afterNode[0]",
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.empty())));
        mvc.perform(get(diff))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.diff.identical").value(false));
        mvc.perform(get(diff).param("from", "3").param("to", "1"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("from"));
        mvc.perform(get(diff).param("to", "0"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("to"));
        mvc.perform(get("/api/runs/" + id + "/plans/999999/diff"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.field").value("executionId"));

        // The run as a snippet: its own settings and knob values.
        mvc.perform(get("/api/runs/" + id + "/snippet").param("lang", "sql").accept(ExperimentApiTests.SNIPPET))
                .andExpect(status().isOk())
                .andExpect(
                        content().string(org.hamcrest.Matchers.containsString("SET spark.sql.adaptive.enabled=true;")))
                .andExpect(content()
                        .string(org.hamcrest.Matchers.containsString("SET spark.sql.shuffle.partitions=1000;")));
        mvc.perform(get("/api/runs/" + id + "/snippet").param("lang", "kotlin").accept(ExperimentApiTests.SNIPPET))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("lang"));

        // The comparison carries the totals and key stage the compare page shows.
        mvc.perform(get("/api/runs/" + id + "/compare/" + id))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.totals.keyStageTasks.a").isNumber())
                .andExpect(jsonPath("$.totals.inputBytes").exists())
                .andExpect(jsonPath("$.totals.gcTimeMs").exists())
                .andExpect(jsonPath("$.keyStage.a")
                        .value(RunQueries.shuffleReadStage(run).stageId()))
                .andExpect(jsonPath("$.plans[0].finalVsFinal.identical").value(true));
    }

    @Test
    void a_submitted_run_is_accepted_and_listed() throws Exception {
        String body = mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"experimentId\":\"tiny-partitions\",\"variant\":\"fixed\"}"))
                .andExpect(status().isAccepted())
                .andExpect(header().exists("Location"))
                .andExpect(jsonPath("$.status").value(org.hamcrest.Matchers.oneOf("QUEUED", "RUNNING")))
                .andReturn()
                .getResponse()
                .getContentAsString();
        String id = body.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        new Runs(engine, validator, store).awaitFinished(id, Duration.ofMinutes(1));

        mvc.perform(get("/api/runs/" + id))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("SUCCEEDED"))
                .andExpect(jsonPath("$.jobs[0].jobId").isNumber())
                .andExpect(jsonPath("$.stages[0].taskDurationMs.p50").isNumber())
                .andExpect(jsonPath("$.evidence[0].holds").isBoolean());
        mvc.perform(get("/api/runs"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].id").value(id));
        mvc.perform(delete("/api/runs/" + id)).andExpect(status().isConflict());
    }

    /**
     * A final status is a complete result: however fast one looks, through the API or the store,
     * no snapshot shows the run finished before its evidence, its prediction results and the
     * findings on that very snapshot are there. A failed run is judged the same way.
     */
    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource({"tiny-partitions, fixed, SUCCEEDED, ''", "collect-too-much, broken, FAILED, result-size"})
    void a_final_status_is_never_seen_without_its_evidence_predictions_and_findings(
            String experimentId, String variant, RunStatus outcome, String finding) throws Exception {
        ExperimentDefinition definition =
                catalog.find(experimentId).orElseThrow().definition();
        assertThat(definition.evidence()).isNotEmpty();
        Map<String, String> answers = new LinkedHashMap<>();
        for (Question question : definition.questions()) {
            answers.put(
                    question.id(),
                    question.choices().isEmpty() ? "1" : question.choices().get(0));
        }

        String id = new Runs(engine, validator, store)
                .submit(new RunRequest(experimentId, variant, Map.of(), answers, null))
                .id();

        // The store, polled every 0.2 ms (a busy loop would starve Spark's two cores): every
        // snapshot the publisher makes visible. Explaining a run takes milliseconds, so a final
        // snapshot without its result would be seen.
        List<String> storeViolations = Collections.synchronizedList(new ArrayList<>());
        List<RunStatus> storeStatuses = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(
                () -> {
                    RunSnapshot last = null;
                    boolean stop = false;
                    while (!stop) {
                        stop = done.get();
                        RunSnapshot s = store.find(id).orElseThrow();
                        if (s != last) {
                            last = s;
                            storeStatuses.add(s.status());
                            if (s.status().finished()) {
                                storeViolations.addAll(incomplete(s, definition, answers));
                            }
                        }
                        LockSupport.parkNanos(200_000);
                    }
                },
                "snapshot-watcher");
        watcher.setDaemon(true);
        watcher.start();

        // The API, as fast as it answers (with a breath of 2 ms between requests), up to the
        // first final status it shows.
        List<String> apiStatuses = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        DocumentContext json;
        do {
            Thread.sleep(2);
            json = JsonPath.parse(mvc.perform(get("/api/runs/" + id))
                    .andExpect(status().isOk())
                    .andReturn()
                    .getResponse()
                    .getContentAsString());
            apiStatuses.add(json.read("$.status"));
        } while (!RunStatus.valueOf(json.read("$.status")).finished() && System.nanoTime() < deadline);
        done.set(true);
        watcher.join(10_000);

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(RunStatus.valueOf(json.read("$.status"))).isEqualTo(outcome);
        List<?> evidence = json.read("$.evidence");
        softly.assertThat(evidence)
                .as("the first final snapshot the API returned carries the evidence")
                .hasSize(definition.evidence().size());
        List<String> answered = json.read("$.predictions[*].answer");
        softly.assertThat(answered)
                .as("and the prediction results")
                .hasSize(definition.questions().size())
                .doesNotContainNull();
        List<String> kinds = json.read("$.findings[*].kind");
        if (!finding.isEmpty()) {
            softly.assertThat(kinds).as("and the findings").contains(finding);
        }
        softly.assertThat(apiStatuses)
                .as("the API saw the run before it finished")
                .contains("RUNNING");

        softly.assertThat(storeStatuses).as("the watcher saw the run live").contains(RunStatus.RUNNING);
        softly.assertThat(storeStatuses.stream().filter(RunStatus::finished).distinct())
                .as("the watcher saw one final status")
                .containsExactly(outcome);
        softly.assertThat(storeViolations)
                .as("final snapshots in the store missing part of their result")
                .isEmpty();
        softly.assertAll();
    }

    /** What a final snapshot lacks of its result; the findings must be those of the snapshot itself. */
    private List<String> incomplete(RunSnapshot s, ExperimentDefinition definition, Map<String, String> answers) {
        List<String> missing = new ArrayList<>();
        if (s.evidence().size() != definition.evidence().size()) {
            missing.add(s.status() + " with " + s.evidence().size() + " evidence results");
        }
        if (s.predictions().size() != definition.questions().size()
                || !s.predictions().stream()
                        .allMatch(p -> answers.get(p.questionId()).equals(p.answer()))) {
            missing.add(s.status() + " with predictions "
                    + s.predictions().stream().map(PredictionResult::answer).toList());
        }
        if (!s.findings().equals(insight.findings(s))) {
            missing.add(s.status() + " with findings " + s.findings() + " not those of the snapshot");
        }
        if (s.stagePrediction() == null || !s.stagePrediction().equals(insight.stageCount(s))) {
            missing.add(s.status() + " without the stage-count check of the snapshot");
        }
        return missing;
    }
}
