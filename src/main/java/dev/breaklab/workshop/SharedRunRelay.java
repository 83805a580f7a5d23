package dev.breaklab.workshop;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunUpdates;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * A room's shared run reaches the room on the room's own topic, as compact progress: a run's full
 * snapshot (its task timeline alone can be a few hundred kilobytes) sent ten times a second to every
 * learner is what stopped 300 viewers from ever seeing the end of a run. The room hears at most one
 * message per {@link WorkshopStream#ANSWER_COALESCE_MS} (status changes included, so the final state
 * arrives within it); learners open the full run page only if they want the details.
 */
@Component
class SharedRunRelay implements RunUpdates {

    private final WorkshopStream stream;
    /** Shared run id to the room that watches it. Runs do not survive a restart, neither need this. */
    private final Map<String, String> rooms = new ConcurrentHashMap<>();

    SharedRunRelay(WorkshopStream stream) {
        this.stream = stream;
    }

    void watch(String runId, String workshopId) {
        rooms.put(runId, workshopId);
    }

    @Override
    public void published(RunSnapshot snapshot, boolean statusChanged) {
        String room = snapshot.status().finished() ? rooms.remove(snapshot.id()) : rooms.get(snapshot.id());
        if (room != null) {
            stream.publishSoon(room, "progress");
        }
    }
}
