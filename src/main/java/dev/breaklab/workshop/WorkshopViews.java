package dev.breaklab.workshop;

import java.util.List;
import java.util.Map;

/** What the workshop API takes and answers; records crossing the HTTP and STOMP boundary. */
final class WorkshopViews {

    private WorkshopViews() {}

    /**
     * POST /api/workshops. {@code pacing}: instructor-led (default) or self-paced; {@code queries}:
     * playground queries that follow the experiments on the agenda (as query-1, query-2, ...).
     */
    record CreateRequest(
            String title,
            List<String> experiments,
            String pacing,
            Boolean leaderboard,
            Integer capacity,
            List<QueryItem> queries) {}

    /** A playground query as an agenda item: its SQL and settings, as {@code POST /api/runs} takes them. */
    record QueryItem(String sql, Map<String, Object> conf) {}

    record Created(String id, String code, String instructorToken, String joinUrl, String instructorUrl) {}

    record JoinRequest(String code, String name) {}

    record Joined(String workshopId, String participantId, String participantToken) {}

    record FocusRequest(String experimentId) {}

    record SharedRunRequest(String variant, Map<String, Object> knobs) {}

    record SharedRun(String runId, String experimentId, String variant) {}

    record AnswersRequest(Map<String, String> answers) {}

    /** POST .../poll/open and .../poll/revote: {@code seconds}, optional, closes answering by itself. */
    record OpenRequest(Integer seconds) {}

    record PacingRequest(String pacing) {}

    record HandRequest(Boolean raised) {}

    /** POST .../my-runs: a learner's own run, queued fairly (self-paced). */
    record LearnerRunRequest(String experimentId, String variant, Map<String, Object> knobs) {}

    /** A learner's run in the room's queue: its position (1 = next), or its run once started. */
    record Queued(String ticket, String experimentId, String variant, int position, String runId) {}

    /** The leaderboard's line: right answers over revealed steps (last round of each). */
    record Standing(String name, int correct) {}

    /**
     * The room as everyone in it sees it: what {@code /topic/workshops/{id}} carries on every change
     * and {@code /app/workshops/{id}} answers with. {@code seq} counts changes per room (from 1 since
     * the lab started); a client keeps the message with the highest.
     *
     * @param event what changed: created, joined, focus, poll, answers, run, progress, reveal, queue,
     *     hand, pacing
     * @param pollClosesAt when the answering timer closes the poll, or null
     * @param queue self-paced: participant ids in the order their queued runs will start (one entry per
     *     queued run); a learner's position is the index of its first entry plus one
     * @param running participant ids whose own run is running
     * @param standings the leaderboard (top 10), when the workshop has it on; else empty
     */
    record Room(
            long seq,
            String event,
            String id,
            String code,
            String title,
            String pacing,
            boolean leaderboard,
            List<AgendaItem> agenda,
            int participants,
            int capacity,
            String focus,
            boolean pollOpen,
            java.time.Instant pollClosesAt,
            Step step,
            List<String> queue,
            List<String> running,
            List<Standing> standings) {

        Room withSeq(long seq, String event) {
            return new Room(
                    seq,
                    event,
                    id,
                    code,
                    title,
                    pacing,
                    leaderboard,
                    agenda,
                    participants,
                    capacity,
                    focus,
                    pollOpen,
                    pollClosesAt,
                    step,
                    queue,
                    running,
                    standings);
        }
    }

    record AgendaItem(String experimentId, String title) {}

    /**
     * The focused experiment: its questions, the voting round, the histogram of the round's answers
     * (question id, answer, count) and of the round before (a re-vote shows how minds changed, else
     * null), how many participants answered this round, the shared run and its progress, and after the
     * reveal the truth per question and how many got each right in the last round.
     */
    record Step(
            String experimentId,
            String title,
            List<QuestionView> questions,
            List<String> variants,
            int round,
            Map<String, Map<String, Integer>> histogram,
            Map<String, Map<String, Integer>> previous,
            int answered,
            String sharedRunId,
            Progress run,
            boolean revealed,
            Map<String, String> truth,
            Map<String, Integer> correct) {}

    /**
     * The shared run as the room follows it: compact, so a room of hundreds can watch it live.
     *
     * @param stagesRun stages that ran to the end (complete or failed)
     */
    record Progress(
            String runId,
            String status,
            int stages,
            long stagesRun,
            long tasks,
            long tasksDone,
            Long durationMs,
            String error) {}

    record QuestionView(String id, String text, String kind, List<String> choices) {}

    /** GET /api/workshops/{id}: the room, and who is asking. */
    record State(Room room, You you, List<Tile> participants) {}

    /**
     * @param answers the participant's answers to the focused experiment's questions (this round)
     * @param correct after the reveal, whether each was right
     * @param queue the participant's own runs, queued or running
     */
    record You(
            String role,
            String participantId,
            String name,
            Map<String, String> answers,
            Map<String, Boolean> correct,
            boolean handRaised,
            List<Queued> queue) {}

    /**
     * The instructor's tile per participant.
     *
     * @param step the experiment the participant is on: its own latest run's, else the room's focus
     * @param answered answers to the focused experiment, this round
     * @param answers answers given in the whole workshop, every round
     * @param runs runs of its own
     */
    record Tile(
            String participantId, String name, String step, int answered, int answers, int runs, boolean handRaised) {}
}
