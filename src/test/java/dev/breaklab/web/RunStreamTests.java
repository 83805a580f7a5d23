package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

/** The STOMP contract, end to end: a real client on the real port follows a real run. */
@LabTest
class RunStreamTests {

    @LocalServerPort
    int port;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    private WebSocketStompClient client;
    private StompSession session;

    @BeforeEach
    void connect() throws Exception {
        session = connect(port);
    }

    @AfterEach
    void disconnect() {
        if (session != null && session.isConnected()) {
            session.disconnect();
        }
        client.stop();
    }

    @Test
    void a_subscriber_gets_the_snapshot_then_every_update_in_order_then_the_final_state() throws Exception {
        Runs runs = new Runs(engine, validator, store);
        BlockingQueue<Map<String, Object>> announcements = subscribe("/topic/runs");
        // Frames of a session are handled in order: once this answer is back, so is the subscription.
        assertThat(subscribe("/app/runs/sync").poll(10, TimeUnit.SECONDS)).isNotNull();

        RunSnapshot submitted =
                runs.submit(new RunRequest("tiny-partitions", "broken", Map.of(), Map.of("stages", "2"), 600));
        String id = submitted.id();
        runs.awaitStatus(id, RunStatus.RUNNING, Duration.ofSeconds(60));

        // The contract: the topic first, then the snapshot.
        BlockingQueue<Map<String, Object>> updates = subscribe("/topic/runs/" + id);
        BlockingQueue<Map<String, Object>> answer = subscribe("/app/runs/" + id);

        Map<String, Object> first = answer.poll(10, TimeUnit.SECONDS);
        assertThat(first)
                .as("the subscription answers with the current snapshot")
                .isNotNull();
        long seq = ((Number) first.get("seq")).longValue();
        assertThat(seq).as("a running run has been published before").isPositive();
        assertThat(snapshot(first).get("id")).isEqualTo(id);
        assertThat(snapshot(first).get("status")).isEqualTo("RUNNING");

        List<Long> received = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        Map<String, Object> last = first;
        while (!isFinished(last)) {
            Map<String, Object> message = updates.poll(90, TimeUnit.SECONDS);
            assertThat(message)
                    .as("an update after seq %d (received %s)", seq, received)
                    .isNotNull();
            long n = ((Number) message.get("seq")).longValue();
            if (n <= seq) {
                continue; // already covered by the snapshot
            }
            assertThat(n).as("no gap after seq %d", seq).isEqualTo(seq + 1);
            seq = n;
            received.add(n);
            statuses.add((String) snapshot(message).get("status"));
            last = message;
        }
        assertThat(received).as("updates followed the snapshot").isNotEmpty();
        // The first message with a final status is the complete result: no "finished, explanation
        // to follow" message in between.
        Map<String, Object> done = snapshot(last);
        assertThat((List<?>) done.get("evidence"))
                .as("the first SUCCEEDED message carries the evidence")
                .isNotEmpty();
        assertThat((List<?>) done.get("predictions"))
                .as("and the prediction results")
                .isNotEmpty()
                .anySatisfy(p -> assertThat(((Map<?, ?>) p).get("questionId")).isEqualTo("stages"));
        assertThat(done.get("findings")).as("and the findings").isInstanceOf(List.class);
        assertThat(done.get("stagePrediction"))
                .as("diagnosed before it was sent")
                .isNotNull();
        assertThat(statuses).contains("SUCCEEDED").last().isEqualTo("SUCCEEDED");
        assertThat(statuses.indexOf("SUCCEEDED")).isGreaterThan(0).as("running updates came first");
        assertThat(statuses.subList(0, statuses.indexOf("SUCCEEDED"))).containsOnly("RUNNING");
        List<?> stages = (List<?>) snapshot(last).get("stages");
        assertThat(stages).isNotEmpty();

        // The run list saw the run created, started and finished, once each, in that order.
        List<String> lifecycle = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!lifecycle.contains("SUCCEEDED") && System.nanoTime() < deadline) {
            Map<String, Object> a = announcements.poll(1, TimeUnit.SECONDS);
            if (a != null && id.equals(a.get("id"))) {
                assertThat(a).containsKeys("experimentId", "variant", "submittedAt", "finishedAt", "durationMs");
                lifecycle.add((String) a.get("status"));
            }
        }
        assertThat(lifecycle).containsExactly("QUEUED", "RUNNING", "SUCCEEDED");
    }

    @Test
    void an_unknown_run_answers_an_error_and_no_snapshot() throws Exception {
        Map<String, Object> answer = subscribe("/app/runs/nope").poll(10, TimeUnit.SECONDS);

        assertThat(answer).containsEntry("seq", 0).containsEntry("snapshot", null);
        assertThat((String) answer.get("error")).contains("unknown run nope");
    }

    private static boolean isFinished(Map<String, Object> message) {
        return RunStatus.valueOf((String) snapshot(message).get("status")).finished();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> snapshot(Map<String, Object> message) {
        return (Map<String, Object>) message.get("snapshot");
    }

    private BlockingQueue<Map<String, Object>> subscribe(String destination) {
        BlockingQueue<Map<String, Object>> queue = new LinkedBlockingQueue<>();
        session.subscribe(destination, new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return Map.class;
            }

            @Override
            @SuppressWarnings("unchecked")
            public void handleFrame(StompHeaders headers, Object payload) {
                queue.add((Map<String, Object>) payload);
            }
        });
        return queue;
    }

    private StompSession connect(int port) throws Exception {
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        // Snapshots of big runs are hundreds of KB; the container's default buffer is 8 KB.
        container.setDefaultMaxTextMessageBufferSize(8 * 1024 * 1024);
        client = new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setMessageConverter(new JacksonJsonMessageConverter());
        client.setInboundMessageSizeLimit(8 * 1024 * 1024);
        return client.connectAsync("ws://127.0.0.1:" + port + "/ws", new StompSessionHandlerAdapter() {})
                .get(10, TimeUnit.SECONDS);
    }
}
