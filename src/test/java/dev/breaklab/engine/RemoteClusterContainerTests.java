package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import tools.jackson.databind.JsonNode;

/**
 * The lab in {@code remote} mode against a Spark standalone master and two workers in containers,
 * with host networking so every address is 127.0.0.1. The image is {@code local/spark-node}
 * ({@code scripts/docker-local-images.sh}; {@code -Dlab.spark.image} names another, such as the
 * official {@code apache/spark}). Without Docker it is skipped, unless {@code REQUIRE_DOCKER=true}
 * ({@link DockerRequiredTests}). Expensive: run it alone, under the shared lock.
 */
@Testcontainers(disabledWithoutDocker = true)
class RemoteClusterContainerTests {

    static final String IMAGE = System.getProperty("lab.spark.image", "local/spark-node");
    private static final int MASTER_PORT = freePort();
    private static final String MASTER = "spark://127.0.0.1:" + MASTER_PORT;
    private static final Path DATA = Path.of("target", "remote-cluster-test");
    private static LabProcess lab;

    @Container
    static final GenericContainer<?> master = node().withCommand(
                    "/opt/spark/bin/spark-class",
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(MASTER_PORT),
                    "--webui-port",
                    "0")
            .waitingFor(
                    Wait.forLogMessage(".*I have been elected leader.*", 1).withStartupTimeout(Duration.ofMinutes(2)));

    // Each worker on an address of its own (all of 127.0.0.0/8 is loopback), like separate machines:
    // executors on one host address read each other's shuffle files from local disk
    // (spark.shuffle.readHostLocalDisk), which separate container file systems do not share.
    @Container
    static final GenericContainer<?> worker1 = worker("127.0.0.2").dependsOn(master);

    @Container
    static final GenericContainer<?> worker2 = worker("127.0.0.3").dependsOn(master);

    private static GenericContainer<?> node() {
        return new GenericContainer<>(DockerImageName.parse(IMAGE)).withNetworkMode("host");
    }

    private static GenericContainer<?> worker(String host) {
        return node().withEnv("SPARK_LOCAL_IP", host)
                .withCommand(
                        "/opt/spark/bin/spark-class",
                        "org.apache.spark.deploy.worker.Worker",
                        "--host",
                        host,
                        "--port",
                        "0",
                        "--webui-port",
                        "0",
                        "--cores",
                        "1",
                        "--memory",
                        "512m",
                        MASTER)
                .waitingFor(Wait.forLogMessage(".*Successfully registered with master.*", 1)
                        .withStartupTimeout(Duration.ofMinutes(2)));
    }

    @AfterAll
    static void stop_the_lab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void the_lab_drives_the_cluster_in_the_containers_and_survives_an_executor_lost() throws Exception {
        FileSystemUtils.deleteRecursively(DATA);
        Files.createDirectories(DATA);
        long start = System.nanoTime();
        lab = LabProcess.start(
                DATA.resolve("lab-data"),
                DATA.resolve("lab.log"),
                "--lab.engine.mode=remote",
                "--lab.engine.master=" + MASTER);
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    String state = lab.engineState();
                    if (state.equals("failed") || !lab.process().isAlive()) {
                        throw new AssertionError(
                                "the lab did not connect: " + Files.readString(DATA.resolve("lab.log")));
                    }
                    return state.equals("running");
                });
        System.out.printf(
                "remote cluster: lab start to engine running %d ms%n", (System.nanoTime() - start) / 1_000_000);
        JsonNode engine = lab.get("/api/engine");
        assertThat(engine.path("mode").asText()).isEqualTo("remote");
        assertThat(engine.path("master").asText()).isEqualTo(MASTER);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> lab.get("/api/engine").path("activeExecutors").asInt() == 2);

        JsonNode run = lab.run("executor-lost", "broken", Map.of(), Duration.ofMinutes(3));
        System.out.printf(
                "remote cluster: executor-lost broken %d ms%n",
                run.path("durationMs").asLong());
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("SUCCEEDED");
        run.path("evidence").forEach(e -> assertThat(e.path("holds").asBoolean())
                .as(e.toString())
                .isEqualTo(e.path("expected").asBoolean()));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
