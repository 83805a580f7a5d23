package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunSubmissions;
import dev.breaklab.engine.ValidatedRun;
import dev.breaklab.playground.PlaygroundRuns;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.telemetry.LiveRun;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The run API's answers to bad input, without Spark: the real controllers ({@link RunController},
 * {@link RunSubmissionController}), the real validator, submissions and catalog; the engine is a
 * mock that must never be reached.
 */
@WebMvcTest({RunController.class, RunSubmissionController.class})
@Import({CatalogSlice.class, SecuritySlice.class, RunSubmissions.class})
class RunControllerTests {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    RunEngine engine;

    @MockitoBean
    RunSnapshots runs;

    @Autowired
    RunOwners owners;
    /** The playground's sandbox needs Spark; PlaygroundApiTests covers it on the whole lab. */
    @MockitoBean
    PlaygroundRuns playground;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown experiment | {\"experimentId\":\"nope\",\"variant\":\"broken\"} | 404 | experimentId | tiny-partitions",
                "missing experiment | {\"variant\":\"broken\"} | 404 | experimentId | skewed-join",
                "unknown variant | {\"experimentId\":\"tiny-partitions\",\"variant\":\"nope\"} | 404 | variant | broken",
                "missing variant | {\"experimentId\":\"tiny-partitions\"} | 400 | variant | broken",
                "unknown knob | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"colour\":1}} | 400 | knobs.colour | shufflePartitions",
                "wrong type | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":\"many\"}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "fraction for integer | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":2.5}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "out of range | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"knobs\":{\"shufflePartitions\":20000}} | 400 | knobs.shufflePartitions | from 1 to 10000",
                "below range | {\"experimentId\":\"skewed-join\",\"variant\":\"broken\",\"knobs\":{\"hotKeyShare\":-1}} | 400 | knobs.hotKeyShare | from 0 to 99",
                "decimal out of range | {\"experimentId\":\"collect-too-much\",\"variant\":\"broken\",\"knobs\":{\"guardMultiple\":9.5}} | 400 | knobs.guardMultiple | from 0.1 to 4.0",
                "unknown question | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"why\":\"3\"}} | 400 | predictions.why | aggregate-tasks",
                "empty answer | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"stages\":\" \"}} | 400 | predictions.stages | whole number",
                "bad choice | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"aqe-coalesce\":\"maybe\"}} | 400 | predictions.aqe-coalesce | yes, no",
                "bad number | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"stages\":\"two\"}} | 400 | predictions.stages | whole number",
                "negative number | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"predictions\":{\"stages\":\"-1\"}} | 400 | predictions.stages | whole number",
                "timeout too long | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"timeoutSeconds\":100000} | 400 | timeoutSeconds | from 1 to 600",
                "timeout zero | {\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\",\"timeoutSeconds\":0} | 400 | timeoutSeconds | from 1 to 600",
            })
    void bad_input_is_a_problem_naming_the_field_and_what_is_allowed_and_nothing_starts(
            String name, String body, int status, String field, String allowed) throws Exception {
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(body))
                .andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(status))
                .andExpect(jsonPath("$.type").value(containsString("urn:spark-break-lab:problem:")))
                .andExpect(jsonPath("$.title").isString())
                .andExpect(jsonPath("$.detail").isString())
                .andExpect(jsonPath("$.field").value(field))
                .andExpect(jsonPath("$.allowed").value(containsString(allowed)))
                .andExpect(jsonPath("$.trace").doesNotExist());

        verifyNoInteractions(engine);
    }

    @Test
    void a_cluster_lesson_on_the_embedded_engine_is_a_409_that_says_how_to_start_a_cluster() throws Exception {
        mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"experimentId\":\"executor-lost\",\"variant\":\"broken\"}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:spark-break-lab:problem:needs-cluster"))
                .andExpect(jsonPath("$.field").value("experimentId"))
                .andExpect(jsonPath("$.detail").value(containsString("lab.engine.mode=local-cluster")))
                .andExpect(jsonPath("$.allowed").value(containsString("local-cluster")))
                .andExpect(jsonPath("$.action.method").value("PUT"))
                .andExpect(jsonPath("$.action.href").value("/api/engine"))
                .andExpect(jsonPath("$.action.body.mode").value("local-cluster"));

        verifyNoInteractions(engine);
    }

    @Test
    void malformed_json_is_a_problem_too() throws Exception {
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content("{\"experimentId\":"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.trace").doesNotExist());

        verifyNoInteractions(engine);
    }

    @Test
    void a_valid_request_reaches_the_engine_resolved_against_the_variant() throws Exception {
        RunSnapshot queued = new LiveRun(
                        "r1", "tiny-partitions", "sane-partitions", "x", Map.of(), Map.of(), Instant.EPOCH)
                .snapshot();
        when(engine.submit(any(ValidatedRun.class))).thenReturn(queued);

        mvc.perform(
                        post("/api/runs")
                                .contentType(MediaType.APPLICATION_JSON)
                                .content(
                                        "{\"experimentId\":\"tiny-partitions\",\"variant\":\"sane-partitions\","
                                                + "\"knobs\":{\"rows\":50000},\"predictions\":{\"stages\":\"2\"},\"timeoutSeconds\":30}"))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Location", "/api/runs/r1"))
                .andExpect(jsonPath("$.status").value("QUEUED"));

        ArgumentCaptor<ValidatedRun> submitted = ArgumentCaptor.forClass(ValidatedRun.class);
        verify(engine).submit(submitted.capture());
        ValidatedRun run = submitted.getValue();
        assertThat(run.experiment().definition().id()).isEqualTo("tiny-partitions");
        assertThat(run.variant().name()).isEqualTo("sane-partitions");
        assertThat(run.knobs().integer("rows")).isEqualTo(50_000);
        assertThat(run.knobs().integer("shufflePartitions"))
                .as("the variant's knob value")
                .isEqualTo(8);
        assertThat(run.conf())
                .containsEntry("spark.sql.adaptive.enabled", "false")
                .containsEntry("spark.sql.shuffle.partitions", "8");
        assertThat(run.predictions()).containsEntry("stages", "2");
        assertThat(run.timeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void an_unknown_run_is_a_404_problem_naming_the_id() throws Exception {
        when(runs.find("nope")).thenReturn(Optional.empty());

        for (String path : new String[] {"/api/runs/nope", "/api/runs/nope/snippet"}) {
            mvc.perform(get(path))
                    .andExpect(status().isNotFound())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.field").value("id"))
                    .andExpect(jsonPath("$.allowed").value("the id of a retained run"));
        }
        mvc.perform(get("/api/runs/nope/compare/nope"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.field").value("a"));
    }

    @Test
    void a_run_belongs_to_whoever_submitted_it() throws Exception {
        RunSnapshot queued =
                new LiveRun("r2", "tiny-partitions", "broken", "x", Map.of(), Map.of(), Instant.EPOCH).snapshot();
        when(engine.submit(any(ValidatedRun.class))).thenReturn(queued);

        mvc.perform(post("/api/runs")
                        .header("Authorization", "Bearer " + SecuritySlice.INSTRUCTOR)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\"}"))
                .andExpect(status().isAccepted());

        assertThat(owners.find("r2")).contains(RunOwner.instructor("w1"));
    }

    @Test
    void a_learner_cannot_bypass_the_rooms_fair_queue() throws Exception {
        mvc.perform(post("/api/runs")
                        .header("Authorization", "Bearer " + SecuritySlice.PARTICIPANT)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\"}"))
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        verify(engine, never()).submit(any(ValidatedRun.class));
    }

    @Test
    void only_the_owner_or_the_owners_instructor_may_cancel_a_run() throws Exception {
        RunSnapshot cancelled =
                new LiveRun("x", "tiny-partitions", "broken", "x", Map.of(), Map.of(), Instant.EPOCH).snapshot();
        when(engine.cancel(any())).thenReturn(cancelled);
        owners.record("local-run", RunOwner.LOCAL);
        owners.record("instructor-run", RunOwner.instructor("w1"));
        owners.record("learner-run", RunOwner.participant("p1", "w1"));
        owners.record("other-learner-run", RunOwner.participant("p2", "w1"));
        owners.record("other-room-run", RunOwner.participant("p9", "w9"));

        // The participant p1 of w1: its own run only.
        for (String run : new String[] {"local-run", "instructor-run", "other-learner-run", "other-room-run"}) {
            mvc.perform(delete("/api/runs/" + run).header("Authorization", "Bearer " + SecuritySlice.PARTICIPANT))
                    .andExpect(status().isForbidden())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(403))
                    .andExpect(jsonPath("$.type").value("urn:spark-break-lab:problem:forbidden"));
            verify(engine, never()).cancel(run);
        }
        mvc.perform(delete("/api/runs/learner-run").header("Authorization", "Bearer " + SecuritySlice.PARTICIPANT))
                .andExpect(status().isOk());
        verify(engine).cancel("learner-run");

        // The instructor of w1: its own runs and its participants'; not the local user's, not another room's.
        for (String run : new String[] {"instructor-run", "other-learner-run"}) {
            mvc.perform(delete("/api/runs/" + run).header("Authorization", "Bearer " + SecuritySlice.INSTRUCTOR))
                    .andExpect(status().isOk());
            verify(engine).cancel(run);
        }
        for (String run : new String[] {"local-run", "other-room-run"}) {
            mvc.perform(delete("/api/runs/" + run).header("Authorization", "Bearer " + SecuritySlice.INSTRUCTOR))
                    .andExpect(status().isForbidden());
            verify(engine, never()).cancel(run);
        }

        // The local user (no token, this machine): its own runs, and runs nobody owns (older ones).
        mvc.perform(delete("/api/runs/local-run")).andExpect(status().isOk());
        mvc.perform(delete("/api/runs/unowned-run")).andExpect(status().isOk());
        mvc.perform(delete("/api/runs/learner-run").with(r -> {
                    r.setRemoteAddr("127.0.0.1");
                    return r;
                }))
                .andExpect(status().isForbidden());
    }

    @Test
    void another_machine_without_a_token_may_read_but_not_run_or_cancel() throws Exception {
        when(runs.find("r1")).thenReturn(Optional.empty());
        mvc.perform(get("/api/runs/r1").with(fromLan())).andExpect(status().isNotFound());
        mvc.perform(post("/api/runs")
                        .with(fromLan())
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"experimentId\":\"tiny-partitions\",\"variant\":\"broken\"}"))
                .andExpect(status().isUnauthorized())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(containsString("Bearer")));
        mvc.perform(delete("/api/runs/r1").with(fromLan())).andExpect(status().isUnauthorized());
        mvc.perform(delete("/api/runs/r1").header("Authorization", "Bearer forged"))
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.type").value("urn:spark-break-lab:problem:unauthenticated"));
        verifyNoInteractions(engine);
    }

    private static org.springframework.test.web.servlet.request.RequestPostProcessor fromLan() {
        return r -> {
            r.setRemoteAddr("192.168.1.77");
            return r;
        };
    }
}
