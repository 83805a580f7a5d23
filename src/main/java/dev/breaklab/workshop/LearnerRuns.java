package dev.breaklab.workshop;

import dev.breaklab.engine.RunSubmissions;
import dev.breaklab.engine.ValidatedRun;
import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunUpdates;
import dev.breaklab.workshop.WorkshopViews.Queued;
import jakarta.annotation.PreDestroy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * Learners' own runs in a self-paced room, queued fairly: each learner has at most one run running,
 * and the room's slots ({@code lab.workshops.learner-runs}) go round-robin across the learners with
 * something queued, so one learner queueing three runs does not hold back the next learner's first.
 * Runs do not survive a restart of the lab, and neither does this queue (it lives in memory).
 */
@Component
class LearnerRuns implements RunUpdates {

    /** Runs one learner may have waiting at once. */
    static final int PER_LEARNER = 3;

    private static final Logger log = LoggerFactory.getLogger(LearnerRuns.class);

    /** Asked for at use: the engine publishes to every RunUpdates, this one included. */
    private final ObjectProvider<RunSubmissions> submissions;

    private final RunSnapshots runs;
    private final WorkshopStream stream;
    private final int slots;
    private final Map<String, FairQueue> rooms = new ConcurrentHashMap<>();
    private final Map<String, String> roomOfRun = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "workshop-learner-runs");
        t.setDaemon(true);
        return t;
    });

    LearnerRuns(
            ObjectProvider<RunSubmissions> submissions,
            RunSnapshots runs,
            WorkshopStream stream,
            WorkshopProperties properties) {
        this.submissions = submissions;
        this.runs = runs;
        this.stream = stream;
        this.slots = Math.max(1, properties.learnerRuns());
        // A run the engine refused (its own queue full) is tried again; so is any room left waiting.
        retry.scheduleWithFixedDelay(this::dispatchAll, 1, 1, TimeUnit.SECONDS);
    }

    /** One request waiting for its turn. */
    record Ticket(String id, String participantId, String experimentId, String variant, ValidatedRun request) {}

    /** Queues the learner's run; starts it at once when the learner has none running and a slot is free. */
    Queued enqueue(String workshopId, String participantId, String experimentId, String variant, ValidatedRun run) {
        FairQueue queue = rooms.computeIfAbsent(workshopId, k -> new FairQueue());
        Ticket ticket = new Ticket(Tokens.id(), participantId, experimentId, variant, run);
        synchronized (queue) {
            if (queue.waiting(participantId) >= PER_LEARNER) {
                throw Workshops.problem(
                        org.springframework.http.HttpStatus.TOO_MANY_REQUESTS,
                        "queue-full",
                        "Too many queued runs",
                        "you have " + PER_LEARNER + " runs waiting; wait until one has started");
            }
            queue.add(ticket);
        }
        dispatch(workshopId);
        return mine(workshopId, participantId).stream()
                .filter(q -> q.ticket().equals(ticket.id()))
                .findFirst()
                .orElseGet(() -> new Queued(ticket.id(), experimentId, variant, 0, null));
    }

    /** The learner's runs: waiting (with their position, 1 = next) and running. */
    List<Queued> mine(String workshopId, String participantId) {
        FairQueue queue = rooms.get(workshopId);
        if (queue == null) {
            return List.of();
        }
        synchronized (queue) {
            List<Queued> mine = new ArrayList<>();
            Ticket running = queue.running.get(participantId);
            if (running != null) {
                mine.add(new Queued(
                        running.id(), running.experimentId(), running.variant(), 0, queue.runIds.get(running.id())));
            }
            List<Ticket> order = queue.order();
            for (int i = 0; i < order.size(); i++) {
                Ticket t = order.get(i);
                if (t.participantId().equals(participantId)) {
                    mine.add(new Queued(t.id(), t.experimentId(), t.variant(), i + 1, null));
                }
            }
            return mine;
        }
    }

    /** Participant ids in the order their waiting runs will start (one entry per run). */
    List<String> order(String workshopId) {
        FairQueue queue = rooms.get(workshopId);
        if (queue == null) {
            return List.of();
        }
        synchronized (queue) {
            return queue.order().stream().map(Ticket::participantId).toList();
        }
    }

    List<String> running(String workshopId) {
        FairQueue queue = rooms.get(workshopId);
        if (queue == null) {
            return List.of();
        }
        synchronized (queue) {
            return List.copyOf(queue.running.keySet());
        }
    }

    /** The experiment of the learner's latest run (running or started last), if any. */
    Map<String, String> lastExperiments(String workshopId) {
        FairQueue queue = rooms.get(workshopId);
        if (queue == null) {
            return Map.of();
        }
        synchronized (queue) {
            return Map.copyOf(queue.lastExperiment);
        }
    }

    @Override
    public void published(RunSnapshot snapshot, boolean statusChanged) {
        if (!snapshot.status().finished()) {
            return;
        }
        String workshopId = roomOfRun.remove(snapshot.id());
        if (workshopId == null) {
            return;
        }
        FairQueue queue = rooms.get(workshopId);
        if (queue != null) {
            synchronized (queue) {
                queue.running.values().removeIf(t -> snapshot.id().equals(queue.runIds.get(t.id())));
            }
        }
        stream.publishSoon(workshopId, "queue");
        dispatch(workshopId);
    }

    private void dispatchAll() {
        rooms.keySet().forEach(this::dispatch);
    }

    /** Starts runs while slots are free, round-robin over the learners without a running run. */
    void dispatch(String workshopId) {
        FairQueue queue = rooms.get(workshopId);
        if (queue == null) {
            return;
        }
        boolean changed = false;
        synchronized (queue) {
            // A run that ended before it was noted here (a very quick failure) frees its learner too.
            changed |= queue.running.values().removeIf(t -> runs.find(queue.runIds.get(t.id()))
                    .map(s -> s.status().finished())
                    .orElse(true));
            while (queue.running.size() < slots) {
                Ticket next = queue.next();
                if (next == null) {
                    break;
                }
                RunSnapshot run;
                try {
                    run = submissions
                            .getObject()
                            .submit(next.request(), RunOwner.participant(next.participantId(), workshopId));
                } catch (ErrorResponseException e) {
                    // The engine's own queue is full: the ticket keeps its place, the next tick tries again.
                    queue.putBack(next);
                    break;
                } catch (RuntimeException e) {
                    log.warn("Workshop {}: a learner's run could not start: {}", workshopId, e.toString());
                    changed = true;
                    continue;
                }
                queue.running.put(next.participantId(), next);
                queue.runIds.put(next.id(), run.id());
                queue.lastExperiment.put(next.participantId(), next.experimentId());
                roomOfRun.put(run.id(), workshopId);
                changed = true;
            }
        }
        if (changed) {
            stream.publishSoon(workshopId, "queue");
        }
    }

    @PreDestroy
    void shutdown() {
        retry.shutdownNow();
    }

    /**
     * Per learner a FIFO of tickets; {@link #rotation} the learners with tickets, the one served
     * longest ago first. Not thread-safe: callers hold its monitor.
     */
    static final class FairQueue {

        final Map<String, Deque<Ticket>> waiting = new LinkedHashMap<>();
        final Deque<String> rotation = new ArrayDeque<>();
        final Map<String, Ticket> running = new LinkedHashMap<>();
        final Map<String, String> runIds = new HashMap<>();
        final Map<String, String> lastExperiment = new HashMap<>();

        int waiting(String participantId) {
            Deque<Ticket> mine = waiting.get(participantId);
            return mine == null ? 0 : mine.size();
        }

        void add(Ticket ticket) {
            Deque<Ticket> mine = waiting.computeIfAbsent(ticket.participantId(), k -> new ArrayDeque<>());
            if (mine.isEmpty() && !rotation.contains(ticket.participantId())) {
                rotation.addLast(ticket.participantId());
            }
            mine.addLast(ticket);
        }

        /** The head ticket of the first learner in rotation without a running run; it goes to the back. */
        Ticket next() {
            for (String participant : rotation) {
                if (running.containsKey(participant)) {
                    continue;
                }
                Deque<Ticket> mine = waiting.get(participant);
                Ticket ticket = mine.pollFirst();
                rotation.remove(participant);
                if (mine.isEmpty()) {
                    waiting.remove(participant);
                } else {
                    rotation.addLast(participant);
                }
                return ticket;
            }
            return null;
        }

        /** A ticket that could not start after all: back at the head of its learner, learner first. */
        void putBack(Ticket ticket) {
            waiting.computeIfAbsent(ticket.participantId(), k -> new ArrayDeque<>())
                    .addFirst(ticket);
            rotation.remove(ticket.participantId());
            rotation.addFirst(ticket.participantId());
        }

        /**
         * The order waiting tickets will start in: round after round, each learner in rotation gives
         * its next ticket. Learners with a running run come after the others within the first round,
         * since they wait for it to end.
         */
        List<Ticket> order() {
            List<String> learners = new ArrayList<>();
            rotation.stream().filter(p -> !running.containsKey(p)).forEach(learners::add);
            rotation.stream().filter(running::containsKey).forEach(learners::add);
            List<Ticket> order = new ArrayList<>();
            for (int round = 0; ; round++) {
                boolean any = false;
                for (String p : learners) {
                    Deque<Ticket> mine = waiting.get(p);
                    if (mine != null && mine.size() > round) {
                        order.add(new ArrayList<>(mine).get(round));
                        any = true;
                    }
                }
                if (!any) {
                    return order;
                }
            }
        }
    }
}
