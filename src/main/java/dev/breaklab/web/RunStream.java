package dev.breaklab.web;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.RunUpdates;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.simp.SimpMessageSendingOperations;
import org.springframework.messaging.simp.annotation.SubscribeMapping;
import org.springframework.stereotype.Controller;

/**
 * The live stream of runs over STOMP. Clients: subscribe to the topic, then to the app destination;
 * keep topic messages until the answer arrives (the two travel separately), then apply only those
 * with a higher {@code seq}.
 *
 * <ul>
 *   <li>{@code /topic/runs/{id}}: {@code {seq, snapshot}} for every snapshot the publisher builds
 *       (at most ~10 a second per run, status changes at once, the final state always); {@code seq}
 *       counts from 1 per run with no gaps.
 *   <li>{@code /app/runs/{id}} (subscribe): answers once with the latest message sent on the topic,
 *       or {@code seq 0} and the current snapshot when none was sent yet. A client subscribes to the
 *       topic first, then here, and ignores topic messages with {@code seq <=} the answer's.
 *   <li>{@code /topic/runs}: a {@link RunAnnouncement} when a run is created and on each status change.
 * </ul>
 *
 * The publisher calls {@link #published} under the run's publish lock, so messages of one run are
 * numbered and sent in order; the broker preserves that order per client.
 */
@Controller
class RunStream implements RunUpdates {

    static final String RUNS_TOPIC = "/topic/runs";

    private final SimpMessageSendingOperations messaging;
    private final RunSnapshots runs;
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();

    RunStream(SimpMessageSendingOperations messaging, RunSnapshots runs) {
        this.messaging = messaging;
        this.runs = runs;
    }

    /** One message on {@code /topic/runs/{id}}, and the answer to a subscription. */
    record RunMessage(long seq, RunSnapshot snapshot) {}

    /** The answer for a run the lab does not know (never created, or evicted). */
    record UnknownRun(long seq, RunSnapshot snapshot, String error) {}

    /** One line on {@code /topic/runs}. */
    record RunAnnouncement(
            String id,
            String experimentId,
            String variant,
            RunStatus status,
            Instant submittedAt,
            Instant finishedAt,
            Long durationMs) {

        static RunAnnouncement of(RunSnapshot s) {
            return new RunAnnouncement(
                    s.id(), s.experimentId(), s.variant(), s.status(), s.submittedAt(), s.finishedAt(), s.durationMs());
        }
    }

    @SubscribeMapping("/runs/{id}")
    Object current(@DestinationVariable String id) {
        Stream stream = streams.get(id);
        RunMessage last = stream == null ? null : stream.last;
        if (last != null) {
            return last;
        }
        return runs.find(id)
                .<Object>map(snapshot -> new RunMessage(0, snapshot))
                .orElseGet(() -> new UnknownRun(0, null, "unknown run " + id));
    }

    @Override
    public void published(RunSnapshot snapshot, boolean statusChanged) {
        Stream stream = streams.computeIfAbsent(snapshot.id(), k -> new Stream());
        RunMessage message;
        boolean announce;
        synchronized (stream) {
            message = new RunMessage(++stream.seq, snapshot);
            // Set before sending: a subscriber answered with this message gets only later ones.
            stream.last = message;
            announce = snapshot.status() != stream.announced;
            stream.announced = snapshot.status();
        }
        messaging.convertAndSend(RUNS_TOPIC + "/" + snapshot.id(), message);
        if (announce) {
            messaging.convertAndSend(RUNS_TOPIC, RunAnnouncement.of(snapshot));
        }
        if (snapshot.status().finished()) {
            forgetEvicted();
        }
    }

    long sequence(String runId) {
        Stream stream = streams.get(runId);
        return stream == null ? 0 : stream.seq;
    }

    /**
     * Streams of runs memory no longer holds go too, so memory stays bounded (the history still
     * answers a subscription to such a run, with {@code seq 0}).
     */
    private void forgetEvicted() {
        Set<String> inMemory = runs.newestFirst().stream().map(RunSnapshot::id).collect(Collectors.toSet());
        streams.keySet().removeIf(id -> !inMemory.contains(id));
    }

    private static final class Stream {
        long seq;
        volatile RunMessage last;
        RunStatus announced;
    }
}
