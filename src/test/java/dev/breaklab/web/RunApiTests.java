package dev.breaklab.web;

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
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
    RunEngine engine;

    @Test
    void an_unknown_run_cannot_be_cancelled() throws Exception {
        mvc.perform(delete("/api/runs/nope"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("id"));
    }

    @Test
    void a_full_queue_answers_429_with_retry_after() throws Exception {
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
