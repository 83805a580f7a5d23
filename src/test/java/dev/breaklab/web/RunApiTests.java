package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

@LabTest
class RunApiTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    RunStore store;

    @Autowired
    RunEngine engine;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown experiment | {\"experimentId\":\"nope\",\"variant\":\"broken\"} | 404 | experimentId | tiny-partitions",
                "unknown variant | {\"experimentId\":\"tiny-partitions\",\"variant\":\"nope\"} | 404 | variant | broken",
                "missing variant | {\"experimentId\":\"tiny-partitions\"} | 400 | variant | broken",
                "unknown knob | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"colour\":1}} | 400 | knobs.colour | shufflePartitions",
                "wrong type | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":\"many\"}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "fraction for integer | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":2.5}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "out of range | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":20000}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "below range | {\"experimentId\":\"skewed-join\",\"variant\":\"broken\",\"knobs\":{\"hotKeyShare\":-1}} | 400 | knobs.hotKeyShare | from 0 to 99",
                "decimal out of range | {\"experimentId\":\"collect-too-much\",\"variant\":\"broken\",\"knobs\":{\"guardMultiple\":9.5}} | 400 | knobs.guardMultiple | from 0.1 to 4.0",
                "unknown question | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"why\":\"3\"}} | 400 | predictions.why | aggregate-tasks",
                "bad choice | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"aqe-coalesce\":\"maybe\"}} | 400 | predictions.aqe-coalesce | yes, no",
                "bad number | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"stages\":\"two\"}} | 400 | predictions.stages | whole number",
                "timeout too long | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"timeoutSeconds\":100000} | 400 | timeoutSeconds | from 1 to 600",
            })
    void badInputIsAProblemNamingTheFieldAndNothingStarts(
            String name, String body, int status, String field, String allowed) throws Exception {
        int before = store.size();

        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(status))
                .andExpect(jsonPath("$.field").value(field))
                .andExpect(jsonPath("$.allowed").value(org.hamcrest.Matchers.containsString(allowed)))
                .andExpect(jsonPath("$.trace").doesNotExist());

        assertThat(store.size()).isEqualTo(before);
    }

    @Test
    void malformedJsonIsAProblemToo() throws Exception {
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content("{\"experimentId\":"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.trace").doesNotExist());
    }

    @Test
    void unknownRunIs404() throws Exception {
        mvc.perform(get("/api/runs/nope"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.field").value("id"));
        mvc.perform(delete("/api/runs/nope")).andExpect(status().isNotFound());
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        Runs runs = new Runs(engine, store);
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
    void aFinishedRunHasItsStageGraphPlanNumbersPlanDiffsAndSnippets() throws Exception {
        RunSnapshot run = new Runs(engine, store).run("tiny-partitions", "fixed");
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
    void aSubmittedRunIsAcceptedAndListed() throws Exception {
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

        new Runs(engine, store).awaitFinished(id, Duration.ofMinutes(1));

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
}
