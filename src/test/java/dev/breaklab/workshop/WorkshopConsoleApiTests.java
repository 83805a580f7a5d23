package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The instructor console's second part on the whole lab: re-vote rounds (both kept and exported),
 * the answering timer, the leaderboard, raised hands and tiles, learners' own runs in the fair
 * queue, the join QR code and the room's capacity.
 */
@LabTest
class WorkshopConsoleApiTests {

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

    record Room(String id, String code, String instructorToken) {}

    Room create(Map<String, Object> body) throws Exception {
        String response = mvc.perform(post("/api/workshops")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(body)))
                .andExpect(status().isCreated())
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
                .andReturn()
                .getResponse()
                .getContentAsString();
        return (String) json.readValue(response, Map.class).get("participantToken");
    }

    ResultActions as(String token, MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.header("Authorization", "Bearer " + token).contentType(MediaType.APPLICATION_JSON));
    }

    void instructor(Room room, String path, String body) throws Exception {
        as(room.instructorToken(), post("/api/workshops/" + room.id() + path).content(body))
                .andExpect(status().isNoContent());
    }

    void answer(Room room, String token, String question, String answer) throws Exception {
        as(
                        token,
                        post("/api/workshops/" + room.id() + "/answers")
                                .content(json.writeValueAsString(Map.of("answers", Map.of(question, answer)))))
                .andExpect(status().isNoContent());
    }

    @Test
    void a_revote_keeps_both_rounds_the_reveal_and_leaderboard_judge_the_last() throws Exception {
        Room room = create(Map.of("title", "Re-vote", "experiments", List.of("tiny-partitions"), "leaderboard", true));
        String ada = join(room, "Ada");
        String bob = join(room, "<b>Bob</b>");
        String id = room.id();
        instructor(room, "/focus", "{\"experimentId\":\"tiny-partitions\"}");
        instructor(room, "/poll/open", "{}");
        as(room.instructorToken(), post("/api/workshops/" + id + "/poll/revote"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(containsString("a re-vote follows a vote")));
        answer(room, ada, "aqe-coalesce", "no");
        answer(room, bob, "aqe-coalesce", "no");
        instructor(room, "/poll/close", "{}");

        instructor(room, "/poll/revote", "{}");
        as(room.instructorToken(), get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.pollOpen").value(true))
                .andExpect(jsonPath("$.room.step.round").value(2))
                .andExpect(jsonPath("$.room.step.answered").value(0))
                .andExpect(jsonPath("$.room.step.histogram.aqe-coalesce.no").value(0))
                .andExpect(jsonPath("$.room.step.previous.aqe-coalesce.no").value(2));
        answer(room, ada, "aqe-coalesce", "yes");
        answer(room, bob, "aqe-coalesce", "no");
        as(ada, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.you.answers.aqe-coalesce").value("yes"));

        String runId = (String) json.readValue(
                        as(
                                        room.instructorToken(),
                                        post("/api/workshops/" + id + "/run").content("{\"variant\":\"fixed\"}"))
                                .andExpect(status().isAccepted())
                                .andReturn()
                                .getResponse()
                                .getContentAsString(),
                        Map.class)
                .get("runId");
        assertThat(new Runs(engine, validator, store)
                        .awaitFinished(runId, Duration.ofMinutes(5))
                        .status())
                .isEqualTo(RunStatus.SUCCEEDED);
        instructor(room, "/reveal", "{}");
        as(ada, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.step.correct.aqe-coalesce").value(1))
                .andExpect(jsonPath("$.room.step.run.status").value("SUCCEEDED"))
                .andExpect(jsonPath("$.room.step.run.tasksDone").isNumber())
                .andExpect(jsonPath("$.you.correct.aqe-coalesce").value(true))
                .andExpect(jsonPath("$.room.standings[0].name").value("Ada"))
                .andExpect(jsonPath("$.room.standings[0].correct").value(1))
                .andExpect(jsonPath("$.room.standings.length()").value(1));

        String csv = as(room.instructorToken(), get("/api/workshops/" + id + "/results.csv"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(csv.lines().skip(1))
                .as("both rounds, each judged against the run")
                .hasSize(4)
                .anyMatch(l -> l.contains(",Ada,tiny-partitions,1,aqe-coalesce,no,yes,false,"))
                .anyMatch(l -> l.contains(",Ada,tiny-partitions,2,aqe-coalesce,yes,yes,true,"))
                .anyMatch(l -> l.contains(",<b>Bob</b>,tiny-partitions,2,aqe-coalesce,no,yes,false,"));
    }

    @Test
    void the_leaderboard_is_off_unless_asked_for_at_creation() throws Exception {
        Room room = create(Map.of("title", "Quiet", "experiments", List.of("tiny-partitions")));
        as(room.instructorToken(), get("/api/workshops/" + room.id()))
                .andExpect(jsonPath("$.room.leaderboard").value(false))
                .andExpect(jsonPath("$.room.standings").isEmpty());
    }

    @Test
    void the_answering_timer_closes_the_poll() throws Exception {
        Room room = create(Map.of("title", "Timer", "experiments", List.of("tiny-partitions")));
        String ada = join(room, "Ada");
        instructor(room, "/focus", "{\"experimentId\":\"tiny-partitions\"}");
        as(
                        room.instructorToken(),
                        post("/api/workshops/" + room.id() + "/poll/open").content("{\"seconds\":2}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("seconds"));
        instructor(room, "/poll/open", "{\"seconds\":5}");
        as(ada, get("/api/workshops/" + room.id()))
                .andExpect(jsonPath("$.room.pollOpen").value(true))
                .andExpect(jsonPath("$.room.pollClosesAt").isString());
        answer(room, ada, "stages", "2");

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        boolean open = true;
        while (open && System.nanoTime() < deadline) {
            Thread.sleep(250);
            open = (Boolean) ((Map<?, ?>) json.readValue(
                                    as(ada, get("/api/workshops/" + room.id()))
                                            .andReturn()
                                            .getResponse()
                                            .getContentAsString(),
                                    Map.class)
                            .get("room"))
                    .get("pollOpen");
        }
        assertThat(open).as("closed by the timer").isFalse();
        as(ada, post("/api/workshops/" + room.id() + "/answers").content("{\"answers\":{\"stages\":\"3\"}}"))
                .andExpect(status().isConflict());
    }

    @Test
    void raised_hands_and_runs_show_on_the_instructors_tiles() throws Exception {
        Room room = create(Map.of("title", "Tiles", "experiments", List.of("tiny-partitions")));
        String ada = join(room, "Ada");
        join(room, "Bob");
        as(ada, post("/api/workshops/" + room.id() + "/hand").content("{\"raised\":true}"))
                .andExpect(status().isNoContent());
        as(ada, get("/api/workshops/" + room.id()))
                .andExpect(jsonPath("$.you.handRaised").value(true));
        as(room.instructorToken(), get("/api/workshops/" + room.id()))
                .andExpect(jsonPath("$.participants[0].name").value("Ada"))
                .andExpect(jsonPath("$.participants[0].handRaised").value(true))
                .andExpect(jsonPath("$.participants[0].runs").value(0))
                .andExpect(jsonPath("$.participants[0].answers").value(0))
                .andExpect(jsonPath("$.participants[1].handRaised").value(false));
        as(ada, post("/api/workshops/" + room.id() + "/hand").content("{\"raised\":false}"));
        as(room.instructorToken(), get("/api/workshops/" + room.id()))
                .andExpect(jsonPath("$.participants[0].handRaised").value(false));
    }

    @Test
    void learners_own_runs_queue_fairly_once_the_room_is_self_paced() throws Exception {
        Room room = create(Map.of("title", "Self-paced", "experiments", List.of("tiny-partitions")));
        String ada = join(room, "Ada");
        String bob = join(room, "Bob");
        String id = room.id();
        instructor(room, "/focus", "{\"experimentId\":\"tiny-partitions\"}");
        String quick = "{\"experimentId\":\"tiny-partitions\",\"variant\":\"sane-partitions\","
                + "\"knobs\":{\"rows\":1000,\"keys\":10}}";
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(containsString("instructor-led")));
        instructor(room, "/pacing", "{\"pacing\":\"self-paced\"}");
        as(ada, post("/api/workshops/" + id + "/my-runs").content("{\"experimentId\":\"skewed-join\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("experimentId"));

        // Ada queues two runs, then Bob one: Ada's first and Bob's run start, Ada's second waits.
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.runId").isString());
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.position").value(1));
        as(bob, post("/api/workshops/" + id + "/my-runs").content(quick))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.runId").isString());
        as(ada, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.pacing").value("self-paced"))
                .andExpect(jsonPath("$.room.queue.length()").value(1))
                .andExpect(jsonPath("$.room.running.length()").value(2))
                .andExpect(jsonPath("$.you.queue.length()").value(2))
                .andExpect(jsonPath("$.you.queue[1].position").value(1));
        as(room.instructorToken(), get("/api/workshops/" + id))
                .andExpect(jsonPath("$.participants[0].runs").value(1))
                .andExpect(jsonPath("$.participants[0].step").value("tiny-partitions"))
                .andExpect(jsonPath("$.participants[1].runs").value(1));
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick));
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick));
        as(ada, post("/api/workshops/" + id + "/my-runs").content(quick))
                .andExpect(status().isTooManyRequests())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));

        // Runs end, the queue moves on: every queued run starts in turn, one at a time for Ada.
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        Map<?, ?> state = Map.of();
        while (System.nanoTime() < deadline) {
            state = json.readValue(
                    as(room.instructorToken(), get("/api/workshops/" + id))
                            .andReturn()
                            .getResponse()
                            .getContentAsString(),
                    Map.class);
            Map<?, ?> r = (Map<?, ?>) state.get("room");
            if (((List<?>) r.get("queue")).isEmpty() && ((List<?>) r.get("running")).isEmpty()) {
                break;
            }
            Thread.sleep(250);
        }
        List<Object> runs = ((List<?>) state.get("participants"))
                .stream().<Object>map(t -> ((Map<?, ?>) t).get("runs")).toList();
        assertThat(runs).as("Ada's four runs and Bob's one all ran").containsExactly(4, 1);
    }

    @Test
    void a_playground_query_is_an_agenda_item_whose_questions_are_the_playgrounds() throws Exception {
        String sql = "SELECT r_name, count(*) AS nations FROM region JOIN nation ON r_regionkey = n_regionkey"
                + " GROUP BY r_name";
        mvc.perform(post("/api/workshops")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(Map.of(
                                "title",
                                "Bad query",
                                "queries",
                                List.of(Map.of("sql", "DROP TABLE region", "conf", Map.of()))))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("playground.sql"));
        Room room = create(Map.of(
                "title",
                "Your own query",
                "experiments",
                List.of("tiny-partitions"),
                "queries",
                List.of(Map.of("sql", sql, "conf", Map.of("spark.sql.adaptive.enabled", "false")))));
        String ada = join(room, "Ada");
        String id = room.id();
        as(room.instructorToken(), get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.agenda[1].experimentId").value("query-1"))
                .andExpect(jsonPath("$.room.agenda[1].title").value(containsString("SELECT r_name")));
        instructor(room, "/focus", "{\"experimentId\":\"query-1\"}");
        instructor(room, "/poll/open", "{}");
        as(ada, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.step.experimentId").value("query-1"))
                .andExpect(jsonPath("$.room.step.questions[0].id").value("stages"))
                .andExpect(jsonPath("$.room.step.questions[1].id").value("join-1"));
        answer(room, ada, "stages", "2");

        String runId = (String) json.readValue(
                        as(
                                        room.instructorToken(),
                                        post("/api/workshops/" + id + "/run").content("{}"))
                                .andExpect(status().isAccepted())
                                .andReturn()
                                .getResponse()
                                .getContentAsString(),
                        Map.class)
                .get("runId");
        assertThat(new Runs(engine, validator, store)
                        .awaitFinished(runId, Duration.ofMinutes(5))
                        .status())
                .isEqualTo(RunStatus.SUCCEEDED);
        instructor(room, "/reveal", "{}");
        as(ada, get("/api/workshops/" + id))
                .andExpect(jsonPath("$.room.step.revealed").value(true))
                .andExpect(jsonPath("$.room.step.truth.stages").isString())
                .andExpect(jsonPath("$.room.step.truth.join-1").isString())
                .andExpect(jsonPath("$.you.correct.stages").isBoolean());
        String csv = as(room.instructorToken(), get("/api/workshops/" + id + "/results.csv"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(csv).contains(",Ada,query-1,1,stages,2,");
    }

    @Test
    void the_join_qr_code_is_an_svg_of_the_join_link_for_the_instructor() throws Exception {
        Room room = create(Map.of("title", "QR", "experiments", List.of("tiny-partitions")));
        String svg = as(room.instructorToken(), get("/api/workshops/" + room.id() + "/qr.svg"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith("image/svg+xml"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(svg).startsWith("<svg").contains("<title>http://localhost/join?code=" + room.code() + "</title>");
        assertThat(svg).contains("<path d=\"M");
    }

    @Test
    void a_room_holds_its_capacity() throws Exception {
        Room room = create(Map.of("title", "Small", "experiments", List.of("tiny-partitions"), "capacity", 1));
        join(room, "Ada");
        mvc.perform(post("/api/workshops/join")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(Map.of("code", room.code(), "name", "Bob"))))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value(containsString("1 participants")));
        mvc.perform(post("/api/workshops")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(
                                Map.of("title", "Huge", "experiments", List.of("tiny-partitions"), "capacity", 5000))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("capacity"));
    }
}
