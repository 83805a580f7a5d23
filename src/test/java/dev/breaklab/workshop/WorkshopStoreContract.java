package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.run.RunOwner;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Workshops survive a restart: everything written through one connection pool is read back
 * through a new one on the same database, the lab's Flyway schema on a real database.
 */
abstract class WorkshopStoreContract {

    private final JsonMapper json = JsonMapper.builder().build();
    private HikariDataSource before;
    private HikariDataSource after;

    /** The database, empty, at the lab's schema. */
    abstract HikariDataSource database() throws Exception;

    /** A new pool on the same database, as a restarted lab would open. */
    abstract HikariDataSource reopen() throws Exception;

    @AfterEach
    void close() {
        if (before != null) {
            before.close();
        }
        if (after != null) {
            after.close();
        }
    }

    @Test
    void a_room_its_participants_answers_steps_and_run_owners_survive_a_restart() throws Exception {
        before = database();
        WorkshopStore store = new WorkshopStore(before, json);
        RunOwnership owners = new RunOwnership(before);
        Instant t0 = Instant.parse("2026-11-29T10:00:00Z");
        String id = Tokens.id();
        String code = Tokens.code();
        String instructorToken = Tokens.token();
        store.insert(
                new Workshop(
                        id,
                        code,
                        "Spark internals",
                        List.of("tiny-partitions", "skewed-join"),
                        Workshop.Pacing.INSTRUCTOR_LED,
                        false,
                        2,
                        null,
                        false,
                        t0,
                        1,
                        null),
                Tokens.hash(instructorToken));
        String adaToken = Tokens.token();
        assertThat(store.join(new Workshop.Participant("p-ada", id, "Ada <b>", t0, false), Tokens.hash(adaToken), 2))
                .isTrue();
        assertThat(store.join(
                        new Workshop.Participant("p-grace", id, "Grace", t0.plusSeconds(1), false),
                        Tokens.hash(Tokens.token()),
                        2))
                .isTrue();
        assertThat(store.join(
                        new Workshop.Participant("p-late", id, "Late", t0.plusSeconds(2), false),
                        Tokens.hash(Tokens.token()),
                        2))
                .as("capacity 2")
                .isFalse();
        store.focus(id, "tiny-partitions");
        store.pollOpen(id, true);
        store.answer(id, List.of(new Workshop.Answer("p-ada", "tiny-partitions", 1, "stages", "3", t0.plusSeconds(5))));
        store.answer(id, List.of(new Workshop.Answer("p-ada", "tiny-partitions", 1, "stages", "2", t0.plusSeconds(6))));
        store.revote(id, t0.plusSeconds(120));
        store.answer(id, List.of(new Workshop.Answer("p-ada", "tiny-partitions", 2, "stages", "3", t0.plusSeconds(7))));
        store.hand("p-grace", true);
        store.sharedRun(id, "tiny-partitions", "run-1");
        store.reveal(id, new Workshop.Step("tiny-partitions", "run-1", t0.plusSeconds(60), Map.of("stages", "2")));
        owners.record("run-1", RunOwner.instructor(id));
        owners.record("run-2", RunOwner.participant("p-ada", id));
        before.close();

        after = reopen();
        WorkshopStore restarted = new WorkshopStore(after, json);
        RunOwnership restartedOwners = new RunOwnership(after);

        Workshop w = restarted.findByCode(code).orElseThrow();
        assertThat(w.id()).isEqualTo(id);
        assertThat(w.experiments()).containsExactly("tiny-partitions", "skewed-join");
        assertThat(w.focus()).isEqualTo("tiny-partitions");
        assertThat(w.pollOpen()).isTrue();
        assertThat(w.round()).as("the re-vote's round").isEqualTo(2);
        assertThat(w.pollClosesAt()).isEqualTo(t0.plusSeconds(120));
        assertThat(w.createdAt()).isEqualTo(t0);
        assertThat(restarted.userByTokenHash(Tokens.hash(instructorToken))).contains(RunOwner.instructor(id));
        assertThat(restarted.userByTokenHash(Tokens.hash(adaToken))).contains(RunOwner.participant("p-ada", id));
        assertThat(restarted.userByTokenHash(Tokens.hash("not a token"))).isEmpty();
        assertThat(restarted.participants(id))
                .extracting(Workshop.Participant::name)
                .containsExactly("Ada <b>", "Grace");
        assertThat(restarted.participants(id))
                .extracting(Workshop.Participant::handRaised)
                .containsExactly(false, true);
        assertThat(restarted.answers(id)).hasSize(2).first().satisfies(a -> {
            assertThat(a.answer()).as("answering again in a round replaces").isEqualTo("2");
            assertThat(a.round()).isEqualTo(1);
            assertThat(a.answeredAt().truncatedTo(ChronoUnit.SECONDS)).isEqualTo(t0.plusSeconds(6));
        });
        assertThat(restarted.answers(id, "tiny-partitions"))
                .as("both rounds kept")
                .extracting(Workshop.Answer::round, Workshop.Answer::answer)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, "2"), org.assertj.core.groups.Tuple.tuple(2, "3"));
        restarted.focus(id, "skewed-join");
        assertThat(restarted.find(id).orElseThrow().round()).isEqualTo(1);
        restarted.focus(id, "tiny-partitions");
        assertThat(restarted.find(id).orElseThrow().round())
                .as("back on a step: its latest round")
                .isEqualTo(2);
        Workshop.Step step = restarted.step(id, "tiny-partitions").orElseThrow();
        assertThat(step.sharedRunId()).isEqualTo("run-1");
        assertThat(step.revealed()).isTrue();
        assertThat(step.truth()).containsExactly(Map.entry("stages", "2"));
        assertThat(restartedOwners.find("run-1")).contains(RunOwner.instructor(id));
        assertThat(restartedOwners.find("run-2")).contains(RunOwner.participant("p-ada", id));
        assertThat(restartedOwners.find("run-3")).isEmpty();
        assertThat(restarted.runsPerParticipant(id)).containsExactly(Map.entry("p-ada", 1));
    }
}
