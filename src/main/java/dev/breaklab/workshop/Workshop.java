package dev.breaklab.workshop;

import java.time.Instant;
import java.util.List;

/**
 * One room, as stored.
 *
 * @param experiments the agenda: catalog experiment ids in order
 * @param focus the experiment every learner's screen shows, or null before the first focus
 * @param pollOpen whether participants may answer the focused experiment's questions
 * @param round the focused experiment's voting round (1, then 2 after a re-vote, ...)
 * @param pollClosesAt when answering closes by itself (the optional timer), or null
 */
record Workshop(
        String id,
        String code,
        String title,
        List<String> experiments,
        Pacing pacing,
        boolean leaderboard,
        int capacity,
        String focus,
        boolean pollOpen,
        Instant createdAt,
        int round,
        Instant pollClosesAt) {

    /** Open, and if a timer was set, not yet past it. */
    boolean acceptsAnswers(Instant now) {
        return focus != null && pollOpen && (pollClosesAt == null || now.isBefore(pollClosesAt));
    }

    enum Pacing {
        INSTRUCTOR_LED,
        SELF_PACED
    }

    record Participant(String id, String workshopId, String name, Instant joinedAt, boolean handRaised) {}

    /** @param round 1 for the first vote, 2 for the re-vote after a discussion, and so on */
    record Answer(
            String participantId,
            String experimentId,
            int round,
            String questionId,
            String answer,
            Instant answeredAt) {}

    /** One agenda step's shared run and, once revealed, the truth per question id read off it. */
    record Step(String experimentId, String sharedRunId, Instant revealedAt, java.util.Map<String, String> truth) {

        boolean revealed() {
            return revealedAt != null;
        }
    }
}
