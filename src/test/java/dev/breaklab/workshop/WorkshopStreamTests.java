package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.converter.JacksonJsonMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * A room over real STOMP clients on the real port: an instructor and three learners, each with the
 * token of its CONNECT frame; focus, answers and the histogram arrive live; strangers are refused.
 */
@LabTest
class WorkshopStreamTests {

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<WebSocketStompClient> clients = new ArrayList<>();
    private final List<StompSession> sessions = new ArrayList<>();

    @AfterEach
    void disconnect() {
        sessions.stream().filter(StompSession::isConnected).forEach(StompSession::disconnect);
        clients.forEach(WebSocketStompClient::stop);
    }

    @Test
    void the_room_sees_focus_and_poll_and_the_instructor_sees_the_histogram_fill() throws Exception {
        Map<String, Object> room = post(
                "/api/workshops",
                null,
                Map.of("title", "Live", "experiments", List.of("tiny-partitions", "skewed-join")));
        String id = (String) room.get("id");
        String instructorToken = (String) room.get("instructorToken");
        List<String> learners = new ArrayList<>();
        for (String name : List.of("Ada", "Grace", "Linus")) {
            learners.add((String) post("/api/workshops/join", null, Map.of("code", room.get("code"), "name", name))
                    .get("participantToken"));
        }

        StompSession instructor = connect(instructorToken);
        BlockingQueue<Map<String, Object>> console = subscribe(instructor, "/topic/workshops/" + id);
        Map<String, Object> snapshot =
                subscribe(instructor, "/app/workshops/" + id).poll(10, TimeUnit.SECONDS);
        assertThat(snapshot).as("the snapshot answers the subscription").isNotNull();
        assertThat(snapshot).containsEntry("id", id).containsEntry("event", "snapshot");
        List<BlockingQueue<Map<String, Object>>> screens = new ArrayList<>();
        for (String token : learners) {
            StompSession learner = connect(token);
            screens.add(subscribe(learner, "/topic/workshops/" + id));
            // Frames of a session are handled in order: once this is answered, the topic is subscribed.
            assertThat(subscribe(learner, "/app/workshops/" + id).poll(10, TimeUnit.SECONDS))
                    .isNotNull();
        }

        post("/api/workshops/" + id + "/focus", instructorToken, Map.of("experimentId", "tiny-partitions"));
        post("/api/workshops/" + id + "/poll/open", instructorToken, Map.of());
        for (BlockingQueue<Map<String, Object>> screen : screens) {
            Map<String, Object> focus = await(screen, m -> "focus".equals(m.get("event")));
            assertThat(focus).containsEntry("focus", "tiny-partitions");
            assertThat(step(focus).get("questions")).asList().isNotEmpty();
            assertThat(await(screen, m -> "poll".equals(m.get("event")))).containsEntry("pollOpen", true);
        }

        String[] stages = {"2", "2", "3"};
        for (int i = 0; i < learners.size(); i++) {
            post("/api/workshops/" + id + "/answers", learners.get(i), Map.of("answers", Map.of("stages", stages[i])));
        }
        Map<String, Object> filled =
                await(console, m -> m.get("step") != null && ((Number) step(m).get("answered")).intValue() == 3);
        assertThat(histogram(filled, "stages")).containsEntry("2", 2).containsEntry("3", 1);
        assertThat(((Number) filled.get("seq")).longValue()).isGreaterThan(((Number) snapshot.get("seq")).longValue());
    }

    @Test
    void a_session_without_the_rooms_token_cannot_follow_it() throws Exception {
        Map<String, Object> room =
                post("/api/workshops", null, Map.of("title", "Private", "experiments", List.of("tiny-partitions")));
        Map<String, Object> other =
                post("/api/workshops", null, Map.of("title", "Other", "experiments", List.of("tiny-partitions")));
        String id = (String) room.get("id");
        StompSession member = connect((String) room.get("instructorToken"));
        BlockingQueue<Map<String, Object>> control = subscribe(member, "/topic/workshops/" + id);
        assertThat(subscribe(member, "/app/workshops/" + id).poll(10, TimeUnit.SECONDS))
                .isNotNull();

        for (String token : new String[] {null, (String) other.get("instructorToken")}) {
            StompSession stranger = connect(token);
            BlockingQueue<Map<String, Object>> topic = subscribe(stranger, "/topic/workshops/" + id);
            BlockingQueue<Map<String, Object>> answer = subscribe(stranger, "/app/workshops/" + id);
            Thread.sleep(500);
            post(
                    "/api/workshops/" + id + "/focus",
                    (String) room.get("instructorToken"),
                    Map.of("experimentId", "tiny-partitions"));
            await(control, m -> "focus".equals(m.get("event")));
            // The refusal happens on the server's inbound channel (AccessDeniedException, logged).
            assertThat(answer.poll(3, TimeUnit.SECONDS)).as("no snapshot").isNull();
            assertThat(topic.poll(1, TimeUnit.SECONDS)).as("no room change").isNull();
        }
        assertThat(connectFails("forged-token"))
                .as("an unknown token refuses the connection")
                .isTrue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> step(Map<String, Object> room) {
        return (Map<String, Object>) room.get("step");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> histogram(Map<String, Object> room, String question) {
        return ((Map<String, Map<String, Object>>) step(room).get("histogram")).get(question);
    }

    private static Map<String, Object> await(BlockingQueue<Map<String, Object>> queue, Predicate<Map<String, Object>> p)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<Object> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            Map<String, Object> m = queue.poll(1, TimeUnit.SECONDS);
            if (m != null && p.test(m)) {
                return m;
            }
            if (m != null) {
                seen.add(m.get("event"));
            }
        }
        throw new AssertionError("no matching message; saw events " + seen);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> post(String path, String token, Object body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? Map.of() : json.readValue(response.body(), Map.class);
    }

    private BlockingQueue<Map<String, Object>> subscribe(StompSession session, String destination) {
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

    private StompSession connect(String token) throws Exception {
        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        WebSocketStompClient client = new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setMessageConverter(new JacksonJsonMessageConverter());
        clients.add(client);
        StompHeaders connect = new StompHeaders();
        if (token != null) {
            connect.add("Authorization", "Bearer " + token);
        }
        StompSession session = client.connectAsync(
                        URI.create("ws://127.0.0.1:" + port + "/ws"),
                        new WebSocketHttpHeaders(),
                        connect,
                        new StompSessionHandlerAdapter() {})
                .get(10, TimeUnit.SECONDS);
        sessions.add(session);
        return session;
    }

    private boolean connectFails(String token) {
        try {
            connect(token);
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
