package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LiveRun;
import dev.breaklab.telemetry.RunStore;
import dev.breaklab.telemetry.SnapshotPublisher;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.SimpMessagingTemplate;

/** Numbering and announcing, without a server: the broker channel just records what it is sent. */
class RunStreamPublishingTests {

    private final List<Message<?>> sent = new ArrayList<>();
    private final MessageChannel channel = (message, timeout) -> sent.add(message);
    private final RunStore store = new RunStore(new LabProperties(
            Path.of("target"),
            new LabProperties.Engine("embedded", "local[1]", "127.0.0.1", false, 0, "1m"),
            new LabProperties.Runs(1, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1)));
    private final RunStream stream = new RunStream(new SimpMessagingTemplate(channel), store);
    private final SnapshotPublisher publisher = new SnapshotPublisher(store, List.of(stream));

    @Test
    void every_snapshot_is_numbered_from_one_without_gaps_and_status_changes_are_announced_once() {
        LiveRun run = new LiveRun("r1", "x", "broken", "x / broken", Map.of(), Map.of(), Instant.now());
        store.add(run);
        assertThat(stream.current("r1")).isEqualTo(new RunStream.RunMessage(0, run.snapshot()));

        publisher.publish(run); // QUEUED
        run.started(Instant.now());
        publisher.publish(run); // RUNNING
        publisher.publish(run); // nothing changed: nothing sent
        run.finish(RunStatus.SUCCEEDED, Instant.now(), null, "done", List.of(), List.of());
        publisher.publish(run);
        run.measured("late", 1);
        publisher.publish(run); // same status, a late change: an update, no announcement

        assertThat(onTopic("/topic/runs/r1"))
                .extracting(m -> ((RunStream.RunMessage) m.getPayload()).seq())
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(onTopic("/topic/runs"))
                .extracting(m -> ((RunStream.RunAnnouncement) m.getPayload()).status())
                .containsExactly(RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SUCCEEDED);
        Object answer = stream.current("r1");
        assertThat(answer).isInstanceOf(RunStream.RunMessage.class);
        assertThat(((RunStream.RunMessage) answer).seq()).isEqualTo(4);
        assertThat(((RunStream.RunMessage) answer).snapshot()).isSameAs(run.snapshot());
    }

    @Test
    void an_unknown_run_is_answered_with_an_error_and_evicted_runs_are_forgotten() {
        assertThat(stream.current("nope")).isEqualTo(new RunStream.UnknownRun(0, null, "unknown run nope"));

        for (String id : List.of("a", "b", "c")) {
            LiveRun run = new LiveRun(id, "x", "broken", "x", Map.of(), Map.of(), Instant.now());
            store.add(run);
            run.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());
            publisher.publish(run);
        }
        // retained = 1: "a" was evicted when "c" arrived, and its stream went with it.
        assertThat(stream.sequence("a")).isZero();
        assertThat(stream.current("a")).isInstanceOf(RunStream.UnknownRun.class);
        assertThat(stream.sequence("c")).isEqualTo(1);
    }

    private List<Message<?>> onTopic(String destination) {
        return sent.stream()
                .filter(m -> destination.equals(SimpMessageHeaderAccessor.getDestination(m.getHeaders())))
                .toList();
    }
}
