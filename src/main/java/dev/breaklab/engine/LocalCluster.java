package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.launcher.JavaModuleOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code local-cluster} engine: a Spark standalone Master and N Workers, started by the lab as
 * child JVMs from its own jars ({@link ClusterJars}), each Worker launching one executor for the
 * lab's application. Separate executor processes are what a single JVM cannot have: network
 * shuffle, executor loss, fetch failures, per-executor memory.
 *
 * <p>No child outlives the lab: every child runs under {@link ChildOfLab}, which exits when the
 * lab's end of its stdin closes (the kernel closes it when the lab dies, even by {@code kill -9}) or
 * the lab's pid disappears; a Worker's shutdown kills its executors. As a last guard the lab writes
 * a pid file per child under {@code <data-dir>/cluster/pids} and kills whatever is left of an
 * earlier lab there before it starts a cluster.
 */
final class LocalCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    private static final String HOST = "127.0.0.1";
    private static final String MASTER_MAIN = "org.apache.spark.deploy.master.Master";
    private static final String WORKER_MAIN = "org.apache.spark.deploy.worker.Worker";
    /** A JVM property that turns the children's class-data sharing off (for the start benchmark). */
    static final String CLASS_DATA_SHARING = "lab.cluster.class-data-sharing";

    private final Path root;
    private final ClusterJars jars;
    private final String masterUrl;
    private final int shuffleServicePort;
    private final Path classArchives;
    private final List<Child> children = Collections.synchronizedList(new ArrayList<>());
    private final Thread shutdownHook = new Thread(this::close, "lab-cluster-stop");

    private record Child(String name, Process process, Path pidFile) {}

    private LocalCluster(Path root, ClusterJars jars, String masterUrl, int shuffleServicePort, Path classArchives) {
        this.root = root;
        this.classArchives = classArchives;
        this.jars = jars;
        this.masterUrl = masterUrl;
        this.shuffleServicePort = shuffleServicePort;
    }

    /**
     * Starts the master, waits until it listens, then starts the workers; returns without waiting for
     * them (the driver waits for their executors).
     */
    static LocalCluster start(LabProperties properties) {
        LabProperties.Cluster settings = properties.engine().cluster();
        Path root = properties.dataDir().toAbsolutePath().resolve("cluster");
        reapLeftovers(root.resolve("pids"));
        ClusterJars jars = ClusterJars.layOut(root.resolve("spark-home"));
        int port = freePort();
        // One shuffle service per host, as on a real cluster: every executor registers with the
        // service at its host and spark.shuffle.service.port, and a second Worker binding the same
        // port would exit at start. So the first Worker runs it (Spark's Worker starts it in-process
        // when spark.shuffle.service.enabled is set in its own configuration) for both executors.
        int shuffleServicePort = settings.shuffleService() ? freePort() : -1;
        LocalCluster cluster = new LocalCluster(
                root, jars, "spark://" + HOST + ":" + port, shuffleServicePort, classArchives(root, jars));
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.writeLogConfig();
            cluster.launch(
                    "master",
                    settings,
                    MASTER_MAIN,
                    Map.of(),
                    // Spark's REST submission server would bind the fixed port 6066 (a second lab
                    // could not start) and start one more web server; the lab submits nothing.
                    List.of("-Dspark.master.rest.enabled=false"),
                    "--host",
                    HOST,
                    "--port",
                    Integer.toString(port),
                    "--webui-port",
                    "0");
            cluster.awaitPort(port, settings);
            // One local directory for every worker, as on a host with one disk: each worker makes a
            // directory of its own per executor in it, and Spark 4.2's shuffle service refuses an
            // executor whose directories are not under its own worker's (LocalDirValidator).
            Path localDir = Files.createDirectories(root.resolve("local"));
            for (int i = 1; i <= settings.workers(); i++) {
                Path workDir = Files.createDirectories(root.resolve("worker-" + i));
                List<String> shuffleService = i == 1 && settings.shuffleService()
                        ? List.of(
                                "-Dspark.shuffle.service.enabled=true",
                                "-Dspark.shuffle.service.port=" + shuffleServicePort)
                        : List.of();
                cluster.launch(
                        "worker-" + i,
                        settings,
                        WORKER_MAIN,
                        Map.of("SPARK_LOCAL_DIRS", localDir.toString()),
                        shuffleService,
                        "--host",
                        HOST,
                        "--port",
                        "0",
                        "--webui-port",
                        "0",
                        "--cores",
                        Integer.toString(settings.coresPerWorker()),
                        "--memory",
                        settings.executorMemory(),
                        "--work-dir",
                        workDir.toString(),
                        cluster.masterUrl);
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String masterUrl() {
        return masterUrl;
    }

    /** The lab's classes as a jar for {@code spark.jars}, when they are not a jar already. */
    Optional<Path> appJar() {
        return jars.appJar();
    }

    /** The port of the shuffle service the first worker runs; empty when the cluster has none. */
    Optional<Integer> shuffleServicePort() {
        return shuffleServicePort > 0 ? Optional.of(shuffleServicePort) : Optional.empty();
    }

    /** JVM options of the executors: the children's logging configuration. */
    String executorJavaOptions() {
        return "-Dlogback.configurationFile=" + logConfig();
    }

    /** The processes the lab started (master and workers), for tests and the engine's view. */
    List<ProcessHandle> processes() {
        synchronized (children) {
            return children.stream().map(child -> child.process().toHandle()).toList();
        }
    }

    /** Stops the workers (and with them their executors), then the master. Idempotent. */
    @Override
    public void close() {
        List<Child> running;
        synchronized (children) {
            running = new ArrayList<>(children);
            children.clear();
        }
        Collections.reverse(running);
        for (Child child : running) {
            stop(child);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
    }

    private void launch(
            String name,
            LabProperties.Cluster settings,
            String main,
            Map<String, String> env,
            List<String> jvmOptions,
            String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + settings.daemonMemory());
        // The Master and Workers only pass messages: the quick JIT tier and the serial collector start
        // them with less CPU, which on a small machine the driver and the executors need at the same time.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.addAll(classDataSharing(name));
        command.addAll(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        command.add("-D" + ChildOfLab.PARENT_PID + "=" + ProcessHandle.current().pid());
        command.add("-Dlogback.configurationFile=" + logConfig());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(jars.daemonClasspath());
        command.add(ChildOfLab.class.getName());
        command.add(main);
        command.addAll(List.of(args));
        Path logs = Files.createDirectories(root.resolve("logs"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile());
        // stdin stays a pipe the lab never writes to: ChildOfLab exits when it closes.
        builder.environment().put("SPARK_HOME", jars.home().toAbsolutePath().toString());
        builder.environment()
                .put(
                        "SPARK_SCALA_VERSION",
                        scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // Everything on loopback: without it Spark picks the first non-loopback interface.
        builder.environment().put("SPARK_LOCAL_IP", HOST);
        builder.environment().putAll(env);
        Process process = builder.start();
        Path pidFile = Files.createDirectories(root.resolve("pids")).resolve(name + ".pid");
        Files.writeString(pidFile, Long.toString(process.pid()));
        children.add(new Child(name, process, pidFile));
        log.info("Local cluster: {} started (pid {}), log {}", name, process.pid(), logs.resolve(name + ".log"));
    }

    /**
     * Class-data sharing for a child: the classes a Master or Worker loads at start (Spark, Scala,
     * Netty, Jetty) are mapped from an archive instead of being read from some 300 jars and verified
     * (a Master alone on this 2-core machine: 2.1 s to leader without, 1.1 s with). The first start writes each child's
     * archive when it exits ({@code -XX:ArchiveClassesAtExit}); later starts map it. The archives live
     * under {@code <data-dir>/cluster/cds/<fingerprint>}, the fingerprint naming the JVM and every jar
     * (name, size, time): other jars or another JVM start over, and the JVM itself ignores an archive
     * that does not match ({@code -Xshare:auto}).
     */
    private List<String> classDataSharing(String name) throws IOException {
        if (classArchives == null) {
            return List.of();
        }
        Path archive = classArchives.resolve(name + ".jsa");
        if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
            return List.of("-Xshare:auto", "-XX:SharedArchiveFile=" + archive);
        }
        Files.deleteIfExists(archive);
        return List.of("-XX:ArchiveClassesAtExit=" + archive);
    }

    /** The directory of this JVM's and these jars' archives; older ones are deleted. Null: none. */
    private static Path classArchives(Path root, ClusterJars jars) {
        if (!Boolean.parseBoolean(System.getProperty(CLASS_DATA_SHARING, "true"))) {
            return null;
        }
        try {
            Path all = Files.createDirectories(root.resolve("cds"));
            Path mine = all.resolve(fingerprint(jars));
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(all)) {
                for (Path dir : dirs) {
                    if (!dir.equals(mine)) {
                        deleteTree(dir);
                    }
                }
            }
            return Files.createDirectories(mine);
        } catch (IOException | RuntimeException e) {
            log.warn("Local cluster: no class-data sharing for its processes: {}", e.toString());
            return null;
        }
    }

    private static String fingerprint(ClusterJars jars) throws IOException {
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder text = new StringBuilder(System.getProperty("java.home"))
                .append('|')
                .append(System.getProperty("java.vm.version"));
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries =
                Files.newDirectoryStream(jars.home().resolve("jars"))) {
            entries.forEach(files::add);
        }
        jars.appJar().ifPresent(files::add);
        files.sort(null);
        for (Path file : files) {
            text.append('|')
                    .append(file.getFileName())
                    .append(':')
                    .append(Files.size(file))
                    .append(':')
                    .append(Files.getLastModifiedTime(file).toMillis());
        }
        byte[] hash = digest.digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(hash, 0, 8);
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private void awaitPort(int port, LabProperties.Cluster settings) {
        long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 500);
                return;
            } catch (IOException e) {
                if (children.stream().anyMatch(child -> !child.process().isAlive())) {
                    throw new IllegalStateException(
                            "the local Spark master exited at start; see " + root.resolve("logs/master.log"));
                }
                sleep(50);
            }
        }
        throw new IllegalStateException("the local Spark master did not listen on port " + port + " within "
                + settings.readyTimeout().toSeconds() + " s; see " + root.resolve("logs/master.log"));
    }

    private static void stop(Child child) {
        Process process = child.process();
        List<ProcessHandle> descendants = process.descendants().toList();
        try {
            // Closing stdin lets ChildOfLab exit normally: a Worker's shutdown kills its executors.
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        descendants.forEach(ProcessHandle::destroyForcibly);
        try {
            Files.deleteIfExists(child.pidFile());
        } catch (IOException e) {
            // a stale pid file is checked before it is acted on
        }
    }

    /** Kills what an earlier lab (killed before it could stop them) left running. */
    private static void reapLeftovers(Path pids) {
        if (!Files.isDirectory(pids)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(pids, "*.pid")) {
            for (Path file : files) {
                try {
                    long pid = Long.parseLong(Files.readString(file).trim());
                    ProcessHandle.of(pid)
                            .filter(ProcessHandle::isAlive)
                            .filter(LocalCluster::isLabChild)
                            .ifPresent(process -> {
                                log.warn("Local cluster: killing pid {} left over by an earlier lab", pid);
                                process.descendants().forEach(ProcessHandle::destroyForcibly);
                                process.destroyForcibly();
                            });
                } catch (NumberFormatException e) {
                    // not ours
                }
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Local cluster: could not read the pid files under {}: {}", pids, e.toString());
        }
    }

    /** Only a process running {@link ChildOfLab} is killed: a pid may have been reused since. */
    private static boolean isLabChild(ProcessHandle process) {
        return process.info()
                .commandLine()
                .map(line -> line.contains(ChildOfLab.class.getName()))
                .orElse(false);
    }

    private Path logConfig() {
        return root.resolve("logback-cluster.xml");
    }

    /** The children log Spark's warnings and the deploy messages (registrations, executor exits). */
    private void writeLogConfig() throws IOException {
        Files.createDirectories(root);
        Files.writeString(logConfig(), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.spark.deploy" level="INFO"/>
                  <logger name="org.apache.spark.executor.CoarseGrainedExecutorBackend" level="INFO"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the local cluster started", e);
        }
    }
}
