package dev.breaklab.workshop;

import java.util.List;
import java.util.Map;

/** What the workshop API takes and answers; records crossing the HTTP and STOMP boundary. */
final class WorkshopViews {

    private WorkshopViews() {}

    /** POST /api/workshops. {@code pacing}: instructor-led (default) or self-paced. */
    record CreateRequest(String title, List<String> experiments, String pacing, Boolean leaderboard) {}

    record Created(String id, String code, String instructorToken, String joinUrl, String instructorUrl) {}

    record JoinRequest(String code, String name) {}

    record Joined(String workshopId, String participantId, String participantToken) {}

    record FocusRequest(String experimentId) {}

    record SharedRunRequest(String variant, Map<String, Object> knobs) {}

    record SharedRun(String runId, String experimentId, String variant) {}

    record AnswersRequest(Map<String, String> answers) {}

    /**
     * The room as everyone in it sees it: what {@code /topic/workshops/{id}} carries on every change
     * and {@code /app/workshops/{id}} answers with. {@code seq} counts changes per room (from 1 since
     * the lab started); a client keeps the message with the highest.
     *
     * @param event what changed: created, joined, focus, poll, answers, run, reveal
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
            Step step) {

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
                    step);
        }
    }

    record AgendaItem(String experimentId, String title) {}

    /**
     * The focused experiment: its questions, the histogram of answers (question id, answer, count),
     * how many participants answered, the shared run, and after the reveal the truth per question and
     * how many got each right.
     */
    record Step(
            String experimentId,
            String title,
            List<QuestionView> questions,
            List<String> variants,
            Map<String, Map<String, Integer>> histogram,
            int answered,
            String sharedRunId,
            boolean revealed,
            Map<String, String> truth,
            Map<String, Integer> correct) {}

    record QuestionView(String id, String text, String kind, List<String> choices) {}

    /** GET /api/workshops/{id}: the room, and who is asking. */
    record State(Room room, You you, List<Tile> participants) {}

    /**
     * @param answers the participant's answers to the focused experiment's questions
     * @param correct after the reveal, whether each was right
     */
    record You(
            String role,
            String participantId,
            String name,
            Map<String, String> answers,
            Map<String, Boolean> correct) {}

    /** The instructor's tile per participant. */
    record Tile(String participantId, String name, int answered) {}
}
