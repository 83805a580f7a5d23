package dev.breaklab.workshop;

import java.time.Instant;
import java.util.List;

/**
 * One room, as stored.
 *
 * @param experiments the agenda: catalog experiment ids in order
 * @param focus the experiment every learner's screen shows, or null before the first focus
 * @param pollOpen whether participants may answer the focused experiment's questions
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
        Instant createdAt) {

    enum Pacing {
        INSTRUCTOR_LED,
        SELF_PACED
    }

    record Participant(String id, String workshopId, String name, Instant joinedAt) {}

    record Answer(String participantId, String experimentId, String questionId, String answer, Instant answeredAt) {}

    /** One agenda step's shared run and, once revealed, the truth per question id read off it. */
    record Step(String experimentId, String sharedRunId, Instant revealedAt, java.util.Map<String, String> truth) {

        boolean revealed() {
            return revealedAt != null;
        }
    }
}
