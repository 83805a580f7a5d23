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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.messaging.simp.SimpMessageHeaderAccessor;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.messaging.support.AbstractSubscribableChannel;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 13's room at scale, figures for the README ({@code ./mvnw -Pbenchmark test
 * -Dtest=WorkshopScaleBenchmarkTests}, {@code -Dbenchmark.learners=300}): real STOMP clients on
 * loopback, one per learner, in a room that answers and then watches one shared run
 * ({@code tiny-partitions}, 1,000 tasks after the shuffle).
 *
 * <ul>
 *   <li>delivery: from the moment the lab hands a room message to the broker (an interceptor on the
 *       broker channel notes it per destination and {@code seq}) to the moment each client has it;
 *   <li>sequence: every learner holds every {@code seq} from its first message to the room's last;
 *   <li>the instructor's histogram: for the k-th stored answer, how long until the instructor's
 *       console showed at least k answered;
 *   <li>all learners answering within 2 s: every answer accepted, every answer counted and exported.
 * </ul>
 *
 * {@code -Dbenchmark.runTopic=true} also subscribes every learner to the run's own topic
 * ({@code /topic/runs/{id}}, the full snapshot) to measure what the room is spared.
 */
@Tag("benchmark")
@LabTest
class WorkshopScaleBenchmarkTests {

    private static final int LEARNERS = Integer.getInteger("benchmark.learners", 300);
    private static final boolean RUN_TOPIC = Boolean.getBoolean("benchmark.runTopic");
    private static final long ANSWER_WINDOW_MS = 2_000;
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Autowired
    dev.breaklab.run.RunSnapshots runs;

    @Autowired
    @Qualifier("brokerChannel")
    AbstractSubscribableChannel brokerChannel;

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> sentBytes = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastSeq = new ConcurrentHashMap<>();
    private final ChannelInterceptor probe = new ChannelInterceptor() {
        @Override
        public Message<?> preSend(Message<?> message, MessageChannel channel) {
            String destination = SimpMessageHeaderAccessor.getDestination(message.getHeaders());
            if (destination != null && message.getPayload() instanceof byte[] bytes) {
                long seq = seq(bytes);
                if (seq > 0) {
                    sentAt.putIfAbsent(destination + "#" + seq, System.nanoTime());
                    sentBytes
                            .computeIfAbsent(destination, d -> new AtomicLong())
                            .addAndGet(bytes.length);
                    lastSeq.computeIfAbsent(destination, d -> new AtomicLong()).accumulateAndGet(seq, Math::max);
                }
            }
            return message;
        }
    };
    private WebSocketStompClient client;
    private final List<StompSession> sessions = new CopyOnWriteArrayList<>();

    @AfterEach
    void disconnect() {
        brokerChannel.removeInterceptor(probe);
        sessions.stream().filter(StompSession::isConnected).forEach(StompSession::disconnect);
        if (client != null) {
            client.stop();
        }
    }

    /** What one client got on one destination: seq and arrival time, in arrival order. */
    static final class Inbox {
        final List<long[]> received = Collections.synchronizedList(new ArrayList<>());

        long maxSeq() {
            synchronized (received) {
                return received.stream().mapToLong(r -> r[0]).max().orElse(0);
            }
        }
    }

    @Test
    void a_room_of_300_answers_and_watches_one_shared_run() throws Exception {
        brokerChannel.addInterceptor(probe);
        StringBuilder report = new StringBuilder("\n=== Workshop scale benchmark (" + LEARNERS + " learners) ===\n");
        Map<String, Object> created = post(
                "/api/workshops",
                null,
                Map.of("title", "Scale", "experiments", List.of("tiny-partitions"), "capacity", LEARNERS));
        String id = (String) created.get("id");
        String instructorToken = (String) created.get("instructorToken");
        String roomTopic = "/topic/workshops/" + id;

        long t0 = System.nanoTime();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < LEARNERS; i++) {
            tokens.add((String) post("/api/workshops/join", null, Map.of("code", created.get("code"), "name", "L" + i))
                    .get("participantToken"));
        }
        report.append(String.format(Locale.ROOT, "joins: %d in %d ms%n", LEARNERS, ms(System.nanoTime() - t0)));

        WebSocketContainer container = ContainerProvider.getWebSocketContainer();
        // Tomcat's client gives every session a buffer of this size up front: 300 of them must fit the
        // test JVM next to the lab. Room messages are a few kilobytes; a run's full snapshot is more.
        int buffer = RUN_TOPIC ? 1024 * 1024 : 64 * 1024;
        container.setDefaultMaxTextMessageBufferSize(buffer);
        container.setDefaultMaxBinaryMessageBufferSize(8 * 1024);
        client = new WebSocketStompClient(new StandardWebSocketClient(container));
        client.setMessageConverter(new SimpleMessageConverter());
        client.setInboundMessageSizeLimit(RUN_TOPIC ? 8 * 1024 * 1024 : buffer);

        // The instructor's console: the room's messages, parsed, with their arrival.
        List<Object[]> console = new CopyOnWriteArrayList<>();
        StompSession instructor = connect(instructorToken);
        instructor.subscribe(roomTopic, handler((bytes, at) -> console.add(new Object[] {at, parse(bytes)})));
        awaitAnswer(instructor, "/app/workshops/" + id);

        t0 = System.nanoTime();
        List<Inbox> rooms = new ArrayList<>();
        List<StompSession> learners = new ArrayList<>();
        List<CompletableFuture<Void>> subscribed = new ArrayList<>();
        for (String token : tokens) {
            StompSession session = connect(token);
            Inbox inbox = new Inbox();
            session.subscribe(roomTopic, handler((bytes, at) -> inbox.received.add(new long[] {seq(bytes), at})));
            CompletableFuture<Void> answered = new CompletableFuture<>();
            session.subscribe("/app/workshops/" + id, handler((bytes, at) -> answered.complete(null)));
            subscribed.add(answered);
            learners.add(session);
            rooms.add(inbox);
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        report.append(String.format(
                Locale.ROOT,
                "STOMP: %d learners connected and subscribed in %d ms%n",
                LEARNERS,
                ms(System.nanoTime() - t0)));

        post("/api/workshops/" + id + "/focus", instructorToken, Map.of("experimentId", "tiny-partitions"));
        post("/api/workshops/" + id + "/poll/open", instructorToken, Map.of());
        await(() -> console.stream().anyMatch(m -> Boolean.TRUE.equals(map(m[1]).get("pollOpen"))), 15);
        Map<String, Object> step = step(map(console.get(console.size() - 1)[1]));
        @SuppressWarnings("unchecked")
        Map<String, Object> question = ((List<Map<String, Object>>) step.get("questions")).get(0);
        String questionId = (String) question.get("id");
        @SuppressWarnings("unchecked")
        List<String> choices = (List<String>) question.get("choices");

        // Every learner answers at a random moment within two seconds.
        ScheduledExecutorService clock = Executors.newScheduledThreadPool(8);
        Random random = new Random(13);
        List<CompletableFuture<long[]>> answers = new ArrayList<>();
        long answersStart = System.nanoTime();
        for (int i = 0; i < LEARNERS; i++) {
            String token = tokens.get(i);
            String answer =
                    choices == null || choices.isEmpty() ? String.valueOf(1 + i % 5) : choices.get(i % choices.size());
            CompletableFuture<long[]> done = new CompletableFuture<>();
            answers.add(done);
            clock.schedule(
                    () -> http.sendAsync(
                                    request(
                                            "/api/workshops/" + id + "/answers",
                                            token,
                                            Map.of("answers", Map.of(questionId, answer))),
                                    HttpResponse.BodyHandlers.ofString())
                            .whenComplete((r, e) ->
                                    done.complete(new long[] {e == null ? r.statusCode() : -1, System.nanoTime()})),
                    random.nextInt((int) ANSWER_WINDOW_MS),
                    TimeUnit.MILLISECONDS);
        }
        List<long[]> outcomes = new ArrayList<>();
        for (CompletableFuture<long[]> f : answers) {
            outcomes.add(f.get(60, TimeUnit.SECONDS));
        }
        clock.shutdown();
        long answersEnd = outcomes.stream().mapToLong(o -> o[1]).max().orElseThrow();
        long errors = outcomes.stream().filter(o -> o[0] != 204).count();
        await(() -> answeredOf(console.get(console.size() - 1)) >= LEARNERS, 15);
        List<Long> done = outcomes.stream().map(o -> o[1]).sorted().toList();
        List<Long> lags = new ArrayList<>();
        for (int k = 1; k <= done.size(); k++) {
            long stored = done.get(k - 1);
            final int wanted = k;
            long seen = console.stream()
                    .filter(m -> answeredOf(m) >= wanted)
                    .mapToLong(m -> (Long) m[0])
                    .min()
                    .orElseThrow();
            lags.add(Math.max(0, seen - stored));
        }
        Map<String, Object> last = map(console.get(console.size() - 1)[1]);
        @SuppressWarnings("unchecked")
        Map<String, Number> counts =
                ((Map<String, Map<String, Number>>) step(last).get("histogram")).get(questionId);
        int counted = counts.values().stream().mapToInt(Number::intValue).sum();
        String csv = get("/api/workshops/" + id + "/results.csv", instructorToken);
        long exported = csv.lines().skip(1).count();
        report.append(String.format(
                Locale.ROOT,
                "answers: %d sent over %d ms, %d errors; histogram counts %d, CSV rows %d%n",
                LEARNERS,
                ms(answersEnd - answersStart),
                errors,
                counted,
                exported));
        report.append(String.format(
                Locale.ROOT,
                "instructor's histogram after an answer: p50 %d ms, p99 %d ms, max %d ms (target <= 1000 ms)%n",
                percentile(lags, 50),
                percentile(lags, 99),
                percentile(lags, 100)));

        post("/api/workshops/" + id + "/poll/close", instructorToken, Map.of());
        long roomSeqBeforeRun = lastSeq.get(roomTopic).get();
        Map<String, Object> run =
                post("/api/workshops/" + id + "/run", instructorToken, Map.of("variant", "broken", "knobs", Map.of()));
        String runId = (String) run.get("runId");
        long runStart = System.nanoTime();
        List<Inbox> runInboxes = new ArrayList<>();
        if (RUN_TOPIC) {
            for (StompSession session : learners) {
                Inbox inbox = new Inbox();
                session.subscribe(
                        "/topic/runs/" + runId,
                        handler((bytes, at) -> inbox.received.add(new long[] {seq(bytes), at})));
                runInboxes.add(inbox);
            }
        }
        await(() -> "SUCCEEDED".equals(runStatus(runId)), 300);
        long runEnd = System.nanoTime();
        // The final state reaches the room within the coalescing delay; give slow clients time.
        Thread.sleep(1_000);
        long roomLast = lastSeq.get(roomTopic).get();
        boolean allFinal = waitUntil(() -> rooms.stream().allMatch(r -> r.maxSeq() >= roomLast), 60);
        long finalSeen = System.nanoTime();
        report.append(String.format(
                Locale.ROOT,
                "shared run %s: %d ms; room messages during it: %d (%d bytes each on average)%n",
                runId,
                ms(runEnd - runStart),
                roomLast - roomSeqBeforeRun,
                sentBytes.get(roomTopic).get() / Math.max(1, roomLast)));
        report.append(String.format(
                Locale.ROOT,
                "every learner had the room's final message %d ms after the run ended: %s%n",
                ms(finalSeen - runEnd),
                allFinal ? "yes" : "NO"));
        report.append(delivery("room topic, whole session", roomTopic, rooms, roomLast));
        if (RUN_TOPIC) {
            String runTopic = "/topic/runs/" + runId;
            long runLast = lastSeq.get(runTopic).get();
            waitUntil(() -> runInboxes.stream().allMatch(r -> r.maxSeq() >= runLast), 120);
            report.append(String.format(
                    Locale.ROOT,
                    "run topic: %d messages, %d bytes each on average%n",
                    runLast,
                    sentBytes.get(runTopic).get() / Math.max(1, runLast)));
            report.append(delivery("run topic (full snapshots)", runTopic, runInboxes, runLast));
        }
        System.out.println(report);

        assertThat(errors).as("answers refused").isZero();
        assertThat(counted).as("answers in the histogram").isEqualTo(LEARNERS);
        assertThat(exported).as("answers exported").isEqualTo(LEARNERS);
        assertThat(allFinal).as("every learner got the room's final message").isTrue();
    }

    /** Latency percentiles over every (client, message) pair, and the sequence gaps. */
    private String delivery(String label, String destination, List<Inbox> inboxes, long last) {
        List<Long> latencies = new ArrayList<>();
        long gaps = 0;
        long missingFinal = 0;
        for (Inbox inbox : inboxes) {
            List<long[]> got;
            synchronized (inbox.received) {
                got = new ArrayList<>(inbox.received);
            }
            long first = got.stream().mapToLong(r -> r[0]).min().orElse(last + 1);
            long distinct = got.stream().mapToLong(r -> r[0]).distinct().count();
            long max = got.stream().mapToLong(r -> r[0]).max().orElse(0);
            gaps += (max - first + 1) - distinct;
            if (max < last) {
                missingFinal++;
            }
            for (long[] r : got) {
                Long sent = sentAt.get(destination + "#" + r[0]);
                if (sent != null) {
                    latencies.add(Math.max(0, r[1] - sent));
                }
            }
        }
        return String.format(
                Locale.ROOT,
                "%s: %d deliveries, latency p50 %d ms, p99 %d ms, max %d ms (target p99 <= 500 ms);"
                        + " sequence gaps %d; clients without the last message %d%n",
                label,
                latencies.size(),
                percentile(latencies, 50),
                percentile(latencies, 99),
                percentile(latencies, 100),
                gaps,
                missingFinal);
    }

    private static long percentile(List<Long> nanos, int p) {
        if (nanos.isEmpty()) {
            return -1;
        }
        List<Long> sorted = nanos.stream().sorted().toList();
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return ms(sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))));
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long seq(byte[] bytes) {
        Matcher m = SEQ.matcher(new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.UTF_8));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parse(byte[] bytes) {
        return json.readValue(bytes, Map.class);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> step(Map<String, Object> room) {
        return (Map<String, Object>) room.get("step");
    }

    private static int answeredOf(Object[] message) {
        Map<String, Object> step = step(map(message[1]));
        return step == null ? 0 : ((Number) step.get("answered")).intValue();
    }

    interface Frames {
        void accept(byte[] bytes, long at);
    }

    private static StompFrameHandler handler(Frames frames) {
        return new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return byte[].class;
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                frames.accept((byte[]) payload, System.nanoTime());
            }
        };
    }

    private void awaitAnswer(StompSession session, String destination) throws Exception {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        session.subscribe(destination, handler((bytes, at) -> answered.complete(null)));
        answered.get(30, TimeUnit.SECONDS);
    }

    private StompSession connect(String token) throws Exception {
        StompHeaders connect = new StompHeaders();
        connect.add("Authorization", "Bearer " + token);
        StompSession session = client.connectAsync(
                        URI.create("ws://127.0.0.1:" + port + "/ws"),
                        new WebSocketHttpHeaders(),
                        connect,
                        new StompSessionHandlerAdapter() {})
                .get(30, TimeUnit.SECONDS);
        sessions.add(session);
        return session;
    }

    private static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
        assertThat(waitUntil(condition, seconds)).as("within " + seconds + " s").isTrue();
    }

    private static boolean waitUntil(BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    private HttpRequest request(String path, String token, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> post(String path, String token, Object body) throws Exception {
        HttpResponse<String> response = http.send(request(path, token, body), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? Map.of() : json.readValue(response.body(), Map.class);
    }

    /** Read in the JVM: polling the run's full JSON would load the machine the room shares. */
    private String runStatus(String runId) {
        return runs.find(runId).map(r -> r.status().name()).orElse("UNKNOWN");
    }

    private String get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 299);
        return response.body();
    }
}
