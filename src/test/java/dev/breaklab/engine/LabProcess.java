package dev.breaklab.engine;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.launcher.JavaModuleOptions;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole lab as a separate JVM (its own SparkContext, so a cluster mode can be tried beside the
 * test suite's shared local session), driven through its HTTP API.
 */
final class LabProcess implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final int port;
    private long readyMs = -1;
    private final HttpClient http = HttpClient.newHttpClient();

    private LabProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The lab's HTTP port (a browser test opens its pages). */
    int port() {
        return port;
    }

    /**
     * A lab in {@code directory}, emptied first ({@code lab-data/} and {@code lab.log} inside it), once
     * its engine runs; {@link #readyMs()} says how long that took from launching the process.
     */
    static LabProcess startRunning(Path directory, List<String> jvmOptions, String... properties) throws IOException {
        FileSystemUtils.deleteRecursively(directory);
        Files.createDirectories(directory);
        long start = System.nanoTime();
        LabProcess lab = start(directory.resolve("lab-data"), directory.resolve("lab.log"), jvmOptions, properties);
        lab.awaitEngineRunning(directory.resolve("lab.log"));
        lab.readyMs = (System.nanoTime() - start) / 1_000_000;
        return lab;
    }

    /** From launching the process to the engine running (-1 unless started with {@link #startRunning}). */
    long readyMs() {
        return readyMs;
    }

    static LabProcess start(Path dataDir, Path log, String... properties) throws IOException {
        return start(dataDir, log, List.of(), properties);
    }

    /**
     * With JVM options of the lab's own (Spark reads {@code -Dspark.*} as settings), and the Spark UI
     * off unless {@code properties} set {@code --lab.engine.ui-enabled}.
     */
    static LabProcess start(Path dataDir, Path log, List<String> jvmOptions, String... properties) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(
                ClusterJars.classpath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.add("dev.breaklab.SparkBreakLabApplication");
        command.add("--server.port=" + port);
        command.add("--lab.data-dir=" + dataDir.toAbsolutePath());
        if (List.of(properties).stream().noneMatch(p -> p.startsWith("--lab.engine.ui-enabled="))) {
            command.add("--lab.engine.ui-enabled=false");
        }
        command.addAll(List.of(properties));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new LabProcess(process, port);
    }

    Process process() {
        return process;
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    JsonNode post(String path, Map<String, ?> body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    /** A PUT's answer: its status and its JSON body. */
    record Answer(int status, JsonNode body) {}

    Answer put(String path, Map<String, ?> body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    /** The engine's state, or "down" while the web server does not answer yet. */
    /**
     * Waits until the lab's engine runs (its cluster started), failing with the lab's log if the
     * engine failed or the process died first.
     */
    void awaitEngineRunning(Path log) {
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    String state = engineState();
                    if (state.equals("failed") || !process.isAlive()) {
                        throw new AssertionError("the lab did not start its cluster: " + Files.readString(log));
                    }
                    return state.equals("running");
                });
    }

    String engineState() {
        try {
            return get("/api/engine").path("state").asText("?");
        } catch (IOException e) {
            return "down";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "down";
        }
    }

    /** Submits a run and waits until it has finished; returns its final snapshot. */
    JsonNode run(String experimentId, String variant, Map<String, ?> knobs, Duration limit)
            throws IOException, InterruptedException {
        JsonNode submitted =
                post("/api/runs", Map.of("experimentId", experimentId, "variant", variant, "knobs", knobs));
        String id = submitted.path("id").asText();
        if (id.isEmpty()) {
            throw new IllegalStateException("run refused: " + submitted);
        }
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode run = get("/api/runs/" + id);
            String status = run.path("status").asText();
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
                return run;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("run " + id + " did not finish within " + limit);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
