package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The workshop API on the whole lab (real engine, real H2): create, join, the instructor's actions,
 * answers, the shared run, the reveal and the CSV; and every refusal as problem+json.
 */
@LabTest
class WorkshopApiTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    JsonMapper json;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    RunOwners owners;

    record Room(String id, String code, String instructorToken) {}

    Room create(String... experiments) throws Exception {
        String body = json.writeValueAsString(Map.of("title", "Spark internals", "experiments", experiments));
        String response = mvc.perform(post("/api/workshops")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.joinUrl").value(containsString("/join?code=")))
                .andExpect(jsonPath("$.instructorUrl").value(containsString("#token=")))
                .andReturn()
                .getResponse()
                .getContentAsString();
        Map<?, ?> created = json.readValue(response, Map.class);
        return new Room(
                (String) created.get("id"), (String) created.get("code"), (String) created.get("instructorToken"));
    }

    String join(Room room, String name) throws Exception {
        String response = mvc.perform(post("/api/workshops/join")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(Map.of("code", room.code(), "name", name))))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.workshopId").value(room.id()))
                .andReturn()
                .getResponse()
                .getContentAsString();
        return (String) json.readValue(response, Map.class).get("participantToken");
    }

    ResultActions as(String token, MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + token).contentType(MediaType.APPLICATION_JSON));
    }

    @Test
    void tokens_are_long_random_and_stored_only_as_hashes() throws Exception {
        Room room = create("tiny-partitions");
        String learner = join(room, "Ada");

        assertThat(room.instructorToken()).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64url
        assertThat(learner).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(room.instructorToken());
        assertThat(room.code()).hasSize(6);
        assertThat(Tokens.hash(learner)).hasSize(64).doesNotContain(learner);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "empty name | {\"code\":\"%s\",\"name\":\"  \"} | name",
                "long name | {\"code\":\"%s\",\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"} | name",
                "control character | {\"code\":\"%s\",\"name\":\"Ada\\u0007\"} | name",
                "bidi override | {\"code\":\"%s\",\"name\":\"Ada\\u202Egnp.exe\"} | name",
                "malformed code | {\"code\":\"12\",\"name\":\"Ada\"} | code",
            })
    void a_bad_name_or_code_is_a_400_problem_naming_the_field(String why, String body, String field) throws Exception {
        Room room = create("tiny-partitions");
        mvc.perform(post("/api/workshops/join")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body.formatted(room.code())))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value(field))
                .andExpect(jsonPath("$.allowed").isString());
    }

    @Test
    void wrong_codes_are_rate_limited_per_address() throws Exception {
        RequestPostProcessor guesser = r -> {
            r.setRemoteAddr("10.9.8.7");
            return r;
        };
        String body = "{\"code\":\"ZZZZZ2\",\"name\":\"Mallory\"}";
        int notFound = 0;
        int limited = 0;
        for (int i = 0; i < 40; i++) {
            int s = mvc.perform(post("/api/workshops/join")
                            .with(guesser)
                            .contentType(MediaType.APPLICATION_JSON)
                            .content(body))
                    .andReturn()
                    .getResponse()
                    .getStatus();
            if (s == 404) {
                notFound++;
            } else if (s == 429) {
                limited++;
            }
        }
        assertThat(notFound).isEqualTo(30);
        assertThat(limited).isEqualTo(10);
    }

    @Test
    void learners_get_403_on_instructor_actions_and_see_nothing_of_other_rooms() throws Exception {
        Room room = create("tiny-partitions", "skewed-join");
        Room other = create("tiny-partitions");
        String learner = join(room, "Ada");
        String id = room.id();

        for (String path :
                new String[] {"/focus", "/poll/open", "/poll/close", "/poll/revote", "/reveal", "/run", "/pacing"}) {
            as(learner, post("/api/workshops/" + id + path).content("{\"experimentId\":\"tiny-partitions\"}"))
                    .andExpect(status().isForbidden())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(403));
        }
        as(learner, get("/api/workshops/" + id + "/results.csv")).andExpect(status().isForbidden());
        as(learner, get("/api/workshops/" + id + "/qr.svg")).andExpect(status().isForbidden());
        as(room.instructorToken(), post("/api/workshops/" + id + "/hand").content("{\"raised\":true}"))
                .andExpect(status().isForbidden());
        as(room.instructorToken(), post("/api/workshops/" + id + "/my-runs").content("{}"))
                .andExpect(status().isForbidden());
        as(learner, get("/api/workshops/" + other.id())).andExpect(status().isForbidden());
        as(
                        other.instructorToken(),
                        post("/api/workshops/" + id + "/focus").content("{\"experimentId\":\"tiny-partitions\"}"))
                .andExpect(status().isForbidden());
        as(room.instructorToken(), post("/api/workshops/" + id + "/answers").content("{\"answers\":{}}"))
                .andExpect(status().isForbidden());
        mvc.perform(get("/api/workshops/" + id)).andExpect(status().isForbidden());
        mvc.perform(get("/api/workshops/" + id).with(r -> {
                    r.setRemoteAddr("192.168.3.4");
                    return r;
                }))
                .andExpect(status().isUnauthorized());
        as("forged", get("/api/workshops/" + id)).andExpect(status().isUnauthorized());

        as(learner, get("/api/workshops/" + id))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.you.role").value("participant"))
                .andExpect(jsonPath("$.you.name").value("Ada"))
                .andExpect(jsonPath("$.participants").isEmpty());
        as(room.instructorToken(), get("/api/workshops/" + id))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.room.participants").value(1))
                .andExpect(jsonPath("$.participants[0].name").value("Ada"));
    }

    @Test
    void answers_are_taken_while_the_poll_is_open_and_checked_against_the_questions() throws Exception {
        Room room = create("tiny-partitions", "skewed-join");
        String learner = join(room, "Grace");
        String id = room.id();
        String answers = "{\"answers\":{\"stages\":\"2\",\"aqe-coalesce\":\"no\"}}";

        as(learner, post("/api/workshops/" + id + "/answers").content(answers)).andExpect(status().isConflict());
        as(room.instructorToken(), post("/api/workshops/" + id + "/focus").content("{\"experimentId\":\"nope\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("experimentId"))
                .andExpect(jsonPath("$.allowed").value("one of tiny-partitions, skewed-join"));
        as(
                        room.instructorToken(),
                        post("/api/workshops/" + id + "/focus").content("{\"experimentId\":\"tiny-partitions\"}"))
                .andExpect(status().isNoContent());
        as(room.instructorToken(), post("/api/workshops/" + id + "/poll/open")).andExpect(status().isNoContent());

        as(learner, post("/api/workshops/" + id + "/answers").content("{\"answers\":{\"stages\":\"two\"}}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("answers.stages"))
                .andExpect(jsonPath("$.allowed").value(containsString("whole number")));
        as(learner, post("/api/workshops/" + id + "/answers").content(answers)).andExpect(status().isNoContent());

        as(room.instructorToken(), get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.focus").value("tiny-partitions"))
                .andExpect(jsonPath("$.room.pollOpen").value(true))
                .andExpect(jsonPath("$.room.step.answered").value(1))
                .andExpect(jsonPath("$.room.step.histogram.stages.2").value(1))
                .andExpect(jsonPath("$.room.step.histogram.aqe-coalesce.no").value(1))
                .andExpect(jsonPath("$.room.step.histogram.aqe-coalesce.yes").value(0));
        as(learner, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.you.answers.stages").value("2"));
    }

    @Test
    void the_shared_run_belongs_to_the_instructor_and_the_reveal_reads_the_truth_off_it() throws Exception {
        Room room = create("tiny-partitions");
        String ada = join(room, "=HYPERLINK(\"x\")");
        String grace = join(room, "Grace");
        String id = room.id();
        as(
                room.instructorToken(),
                post("/api/workshops/" + id + "/focus").content("{\"experimentId\":\"tiny-partitions\"}"));
        as(room.instructorToken(), post("/api/workshops/" + id + "/poll/open"));
        as(ada, post("/api/workshops/" + id + "/answers").content("{\"answers\":{\"aqe-coalesce\":\"yes\"}}"))
                .andExpect(status().isNoContent());
        as(grace, post("/api/workshops/" + id + "/answers").content("{\"answers\":{\"aqe-coalesce\":\"no\"}}"))
                .andExpect(status().isNoContent());
        as(room.instructorToken(), post("/api/workshops/" + id + "/reveal"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(containsString("run the focused experiment")));

        String response = as(
                        room.instructorToken(),
                        post("/api/workshops/" + id + "/run").content("{\"variant\":\"fixed\"}"))
                .andExpect(status().isAccepted())
                .andReturn()
                .getResponse()
                .getContentAsString();
        String runId = (String) json.readValue(response, Map.class).get("runId");
        assertThat(owners.find(runId)).contains(RunOwner.instructor(id));
        as(ada, delete("/api/runs/" + runId)).andExpect(status().isForbidden());
        mvc.perform(delete("/api/runs/" + runId)).andExpect(status().isForbidden());

        RunSnapshot done = new Runs(engine, validator, store).awaitFinished(runId, Duration.ofMinutes(5));
        assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
        as(room.instructorToken(), post("/api/workshops/" + id + "/reveal")).andExpect(status().isNoContent());

        as(grace, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.step.revealed").value(true))
                .andExpect(jsonPath("$.room.step.truth.aqe-coalesce").value("yes"))
                .andExpect(jsonPath("$.room.step.sharedRunId").value(runId))
                .andExpect(jsonPath("$.room.step.correct.aqe-coalesce").value(1))
                .andExpect(jsonPath("$.room.pollOpen").value(false))
                .andExpect(jsonPath("$.you.correct.aqe-coalesce").value(false));

        String csv = as(room.instructorToken(), get("/api/workshops/" + id + "/results.csv"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith("text/csv"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(csv.lines())
                .first()
                .isEqualTo("participant_id,name,experiment,round,question,answer,truth,correct,answered_at");
        assertThat(csv)
                .as("a name a spreadsheet would run as a formula is quoted as text")
                .contains(",\"'=HYPERLINK(\"\"x\"\")\",tiny-partitions,1,aqe-coalesce,yes,yes,true,")
                .contains(",Grace,tiny-partitions,1,aqe-coalesce,no,yes,false,");
    }
}
