package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Workshops in the lab's database ({@code db/migration/V2__workshops.sql}, {@code V3__workshop_rounds.sql}): rooms, participants,
 * answers and steps, so a restart loses none of them. Plain SQL that H2 and PostgreSQL run alike.
 * Tokens arrive here only as hashes.
 */
@Repository
class WorkshopStore {

    private static final String WORKSHOP_COLUMNS =
            "id, code, title, experiments, pacing, leaderboard, capacity, focus, poll_open, created_at, vote_round,"
                    + " poll_closes_at";

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final JsonMapper json;

    WorkshopStore(DataSource dataSource, JsonMapper json) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.json = json;
    }

    void insert(Workshop w, String instructorTokenHash) {
        jdbc.sql("""
                        INSERT INTO workshops (id, code, title, experiments, pacing, leaderboard, capacity,
                          instructor_token_hash, focus, poll_open, created_at)
                        VALUES (:id, :code, :title, :experiments, :pacing, :leaderboard, :capacity, :hash, :focus,
                          :pollOpen, :createdAt)""")
                .param("id", w.id())
                .param("code", w.code())
                .param("title", w.title())
                .param("experiments", String.join(",", w.experiments()))
                .param("pacing", w.pacing().name())
                .param("leaderboard", w.leaderboard())
                .param("capacity", w.capacity())
                .param("hash", instructorTokenHash)
                .param("focus", w.focus())
                .param("pollOpen", w.pollOpen())
                .param("createdAt", time(w.createdAt()))
                .update();
    }

    Optional<Workshop> find(String id) {
        return jdbc.sql("SELECT " + WORKSHOP_COLUMNS + " FROM workshops WHERE id = :id")
                .param("id", id)
                .query(WorkshopStore::workshop)
                .optional();
    }

    Optional<Workshop> findByCode(String code) {
        return jdbc.sql("SELECT " + WORKSHOP_COLUMNS + " FROM workshops WHERE code = :code")
                .param("code", code)
                .query(WorkshopStore::workshop)
                .optional();
    }

    boolean codeTaken(String code) {
        return findByCode(code).isPresent();
    }

    /** The instructor or participant whose token hashes to {@code hash}. */
    Optional<RunOwner> userByTokenHash(String hash) {
        return jdbc.sql("SELECT id FROM workshops WHERE instructor_token_hash = :hash")
                .param("hash", hash)
                .query(String.class)
                .optional()
                .map(RunOwner::instructor)
                .or(() -> jdbc.sql("SELECT id, workshop_id FROM workshop_participants WHERE token_hash = :hash")
                        .param("hash", hash)
                        .query((rs, n) -> RunOwner.participant(rs.getString(1), rs.getString(2)))
                        .optional());
    }

    /** Adds the participant unless the room is full; false when it is. */
    boolean join(Workshop.Participant p, String tokenHash, int capacity) {
        Boolean joined = transactions.execute(tx -> {
            long present = jdbc.sql("SELECT COUNT(*) FROM workshop_participants WHERE workshop_id = :w")
                    .param("w", p.workshopId())
                    .query(Long.class)
                    .single();
            if (present >= capacity) {
                return false;
            }
            jdbc.sql("""
                            INSERT INTO workshop_participants (id, workshop_id, name, token_hash, joined_at)
                            VALUES (:id, :w, :name, :hash, :at)""")
                    .param("id", p.id())
                    .param("w", p.workshopId())
                    .param("name", p.name())
                    .param("hash", tokenHash)
                    .param("at", time(p.joinedAt()))
                    .update();
            return true;
        });
        return Boolean.TRUE.equals(joined);
    }

    List<Workshop.Participant> participants(String workshopId) {
        return jdbc.sql("SELECT id, workshop_id, name, joined_at, hand_raised FROM workshop_participants"
                        + " WHERE workshop_id = :w ORDER BY joined_at, id")
                .param("w", workshopId)
                .query((rs, n) -> new Workshop.Participant(
                        rs.getString(1), rs.getString(2), rs.getString(3), instant(rs, 4), rs.getBoolean(5)))
                .list();
    }

    int participantCount(String workshopId) {
        return jdbc.sql("SELECT COUNT(*) FROM workshop_participants WHERE workshop_id = :w")
                .param("w", workshopId)
                .query(Integer.class)
                .single();
    }

    /** Focuses the experiment, closed, at the latest round it was voted in (1 if never). */
    void focus(String workshopId, String experimentId) {
        jdbc.sql("""
                        UPDATE workshops SET focus = :f, poll_open = FALSE, poll_closes_at = NULL,
                          vote_round = COALESCE((SELECT MAX(vote_round) FROM workshop_votes
                            WHERE workshop_id = :id AND experiment_id = :f), 1)
                        WHERE id = :id""").param("f", experimentId).param("id", workshopId).update();
    }

    /** Opens (until {@code closesAt}, if given) or closes answering. */
    void pollOpen(String workshopId, boolean open, Instant closesAt) {
        jdbc.sql("UPDATE workshops SET poll_open = :open, poll_closes_at = :at WHERE id = :id")
                .param("open", open)
                .param("at", open ? time(closesAt) : null)
                .param("id", workshopId)
                .update();
    }

    void pollOpen(String workshopId, boolean open) {
        pollOpen(workshopId, open, null);
    }

    /** The next voting round of the focused experiment, open (until {@code closesAt}, if given). */
    void revote(String workshopId, Instant closesAt) {
        jdbc.sql("UPDATE workshops SET vote_round = vote_round + 1, poll_open = TRUE, poll_closes_at = :at"
                        + " WHERE id = :id")
                .param("at", time(closesAt))
                .param("id", workshopId)
                .update();
    }

    void pacing(String workshopId, Workshop.Pacing pacing) {
        jdbc.sql("UPDATE workshops SET pacing = :p WHERE id = :id")
                .param("p", pacing.name())
                .param("id", workshopId)
                .update();
    }

    void hand(String participantId, boolean raised) {
        jdbc.sql("UPDATE workshop_participants SET hand_raised = :r WHERE id = :id")
                .param("r", raised)
                .param("id", participantId)
                .update();
    }

    /** Runs each participant of the workshop owns (their own variants, self-paced). */
    Map<String, Integer> runsPerParticipant(String workshopId) {
        Map<String, Integer> runs = new java.util.HashMap<>();
        jdbc.sql("SELECT owner_id, COUNT(*) FROM run_owners WHERE workshop_id = :w AND owner_kind = :k"
                        + " GROUP BY owner_id")
                .param("w", workshopId)
                .param("k", RunOwner.Kind.PARTICIPANT.name())
                .query(rs -> {
                    runs.put(rs.getString(1), rs.getInt(2));
                });
        return runs;
    }

    /** Stores the participant's answers, replacing earlier answers to the same questions. */
    void answer(String workshopId, List<Workshop.Answer> answers) {
        transactions.executeWithoutResult(tx -> {
            for (Workshop.Answer a : answers) {
                jdbc.sql("DELETE FROM workshop_votes WHERE participant_id = :p AND experiment_id = :e"
                                + " AND vote_round = :r AND question_id = :q")
                        .param("p", a.participantId())
                        .param("e", a.experimentId())
                        .param("r", a.round())
                        .param("q", a.questionId())
                        .update();
                jdbc.sql("""
                                INSERT INTO workshop_votes (workshop_id, participant_id, experiment_id, vote_round,
                                  question_id, answer, answered_at) VALUES (:w, :p, :e, :r, :q, :a, :at)""")
                        .param("w", workshopId)
                        .param("p", a.participantId())
                        .param("e", a.experimentId())
                        .param("r", a.round())
                        .param("q", a.questionId())
                        .param("a", a.answer())
                        .param("at", time(a.answeredAt()))
                        .update();
            }
        });
    }

    List<Workshop.Answer> answers(String workshopId) {
        return jdbc.sql("SELECT participant_id, experiment_id, vote_round, question_id, answer, answered_at"
                        + " FROM workshop_votes WHERE workshop_id = :w"
                        + " ORDER BY answered_at, participant_id, vote_round, question_id")
                .param("w", workshopId)
                .query(WorkshopStore::answer)
                .list();
    }

    /** Every round's answers to one experiment. */
    List<Workshop.Answer> answers(String workshopId, String experimentId) {
        return jdbc.sql("SELECT participant_id, experiment_id, vote_round, question_id, answer, answered_at"
                        + " FROM workshop_votes WHERE workshop_id = :w AND experiment_id = :e"
                        + " ORDER BY answered_at, participant_id, vote_round, question_id")
                .param("w", workshopId)
                .param("e", experimentId)
                .query(WorkshopStore::answer)
                .list();
    }

    private static Workshop.Answer answer(ResultSet rs, int row) throws SQLException {
        return new Workshop.Answer(
                rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5), instant(rs, 6));
    }

    Optional<Workshop.Step> step(String workshopId, String experimentId) {
        return jdbc.sql("SELECT experiment_id, shared_run_id, revealed_at, truth FROM workshop_steps"
                        + " WHERE workshop_id = :w AND experiment_id = :e")
                .param("w", workshopId)
                .param("e", experimentId)
                .query((rs, n) ->
                        new Workshop.Step(rs.getString(1), rs.getString(2), instant(rs, 3), truth(rs.getString(4))))
                .optional();
    }

    List<Workshop.Step> steps(String workshopId) {
        return jdbc.sql("SELECT experiment_id, shared_run_id, revealed_at, truth FROM workshop_steps"
                        + " WHERE workshop_id = :w")
                .param("w", workshopId)
                .query((rs, n) ->
                        new Workshop.Step(rs.getString(1), rs.getString(2), instant(rs, 3), truth(rs.getString(4))))
                .list();
    }

    /** A new shared run for the step: any earlier reveal of it is undone. */
    void sharedRun(String workshopId, String experimentId, String runId) {
        saveStep(workshopId, new Workshop.Step(experimentId, runId, null, Map.of()));
    }

    void reveal(String workshopId, Workshop.Step step) {
        saveStep(workshopId, step);
    }

    private void saveStep(String workshopId, Workshop.Step step) {
        transactions.executeWithoutResult(tx -> {
            jdbc.sql("DELETE FROM workshop_steps WHERE workshop_id = :w AND experiment_id = :e")
                    .param("w", workshopId)
                    .param("e", step.experimentId())
                    .update();
            jdbc.sql("INSERT INTO workshop_steps (workshop_id, experiment_id, shared_run_id, revealed_at, truth)"
                            + " VALUES (:w, :e, :run, :at, :truth)")
                    .param("w", workshopId)
                    .param("e", step.experimentId())
                    .param("run", step.sharedRunId())
                    .param("at", time(step.revealedAt()))
                    .param("truth", json.writeValueAsString(step.truth()))
                    .update();
        });
    }

    /** A playground query on the agenda ({@code item_id} query-1, query-2, ...). */
    record Query(String itemId, String sql, Map<String, Object> conf) {}

    void insertQuery(String workshopId, Query query) {
        jdbc.sql("INSERT INTO workshop_queries (workshop_id, item_id, sql_text, conf) VALUES (:w, :i, :s, :c)")
                .param("w", workshopId)
                .param("i", query.itemId())
                .param("s", query.sql())
                .param("c", json.writeValueAsString(query.conf()))
                .update();
    }

    Optional<Query> query(String workshopId, String itemId) {
        return jdbc.sql("SELECT item_id, sql_text, conf FROM workshop_queries WHERE workshop_id = :w AND item_id = :i")
                .param("w", workshopId)
                .param("i", itemId)
                .query((rs, n) -> new Query(
                        rs.getString(1),
                        rs.getString(2),
                        json.readValue(rs.getString(3), new TypeReference<Map<String, Object>>() {})))
                .optional();
    }

    private Map<String, String> truth(String text) {
        return text == null || text.isBlank() ? Map.of() : json.readValue(text, new TypeReference<>() {});
    }

    private static Workshop workshop(ResultSet rs, int row) throws SQLException {
        return new Workshop(
                rs.getString("id"),
                rs.getString("code"),
                rs.getString("title"),
                Arrays.stream(rs.getString("experiments").split(","))
                        .filter(s -> !s.isBlank())
                        .toList(),
                Workshop.Pacing.valueOf(rs.getString("pacing")),
                rs.getBoolean("leaderboard"),
                rs.getInt("capacity"),
                rs.getString("focus"),
                rs.getBoolean("poll_open"),
                instant(rs, "created_at"),
                rs.getInt("vote_round"),
                instant(rs, "poll_closes_at"));
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
