package dev.breaklab.workshop;

import dev.breaklab.workshop.WorkshopViews.Room;
import jakarta.annotation.PreDestroy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.messaging.handler.annotation.DestinationVariable;
import org.springframework.messaging.simp.SimpMessageSendingOperations;
import org.springframework.messaging.simp.annotation.SubscribeMapping;
import org.springframework.stereotype.Controller;

/**
 * A room's live state over STOMP.
 *
 * <ul>
 *   <li>{@code /topic/workshops/{id}}: the whole {@link Room} on every change (focus, poll opened or
 *       closed, answers counted, shared run started, reveal), numbered by {@code seq}. Answers are
 *       coalesced: at most one message per room every {@value #ANSWER_COALESCE_MS} ms while they
 *       arrive, so a room answering at once gets a handful of messages, not one per answer.
 *   <li>{@code /app/workshops/{id}} (subscribe): answers once with the current room.
 * </ul>
 *
 * Only the room's instructor and participants may subscribe to either ({@link StompSecurityConfiguration}).
 */
@Controller
class WorkshopStream {

    static final String TOPIC = "/topic/workshops/";
    static final long ANSWER_COALESCE_MS = 200;

    private static final Logger log = LoggerFactory.getLogger(WorkshopStream.class);

    private final SimpMessageSendingOperations messaging;
    private final Map<String, Long> seqs = new ConcurrentHashMap<>();
    private final Map<String, Boolean> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService coalescer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "workshop-stream");
        t.setDaemon(true);
        return t;
    });
    private volatile Function<String, Room> rooms;

    WorkshopStream(SimpMessageSendingOperations messaging) {
        this.messaging = messaging;
    }

    void rooms(Function<String, Room> rooms) {
        this.rooms = rooms;
    }

    @SubscribeMapping("/workshops/{id}")
    Room current(@DestinationVariable String id) {
        return rooms.apply(id).withSeq(seqs.getOrDefault(id, 0L), "snapshot");
    }

    /** The room is read under the lock: a higher {@code seq} never carries an older state. */
    synchronized void publish(String id, String event) {
        Room room = rooms.apply(id);
        long seq = seqs.merge(id, 1L, Long::sum);
        messaging.convertAndSend(TOPIC + id, room.withSeq(seq, event));
    }

    /** Publishes the room within {@link #ANSWER_COALESCE_MS}, once for every change until then. */
    void publishSoon(String id, String event) {
        if (pending.putIfAbsent(id, Boolean.TRUE) == null) {
            coalescer.schedule(
                    () -> {
                        pending.remove(id);
                        try {
                            publish(id, event);
                        } catch (RuntimeException e) {
                            log.warn("Workshop {}: publishing the room failed: {}", id, e.toString());
                        }
                    },
                    ANSWER_COALESCE_MS,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Runs {@code task} at {@code at} (the answering timer), on the stream's own thread. */
    void schedule(java.time.Instant at, Runnable task) {
        long delay = Math.max(
                0, java.time.Duration.between(java.time.Instant.now(), at).toMillis());
        coalescer.schedule(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        log.warn("Workshop timer failed: {}", e.toString());
                    }
                },
                delay,
                TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void shutdown() {
        coalescer.shutdownNow();
    }
}
