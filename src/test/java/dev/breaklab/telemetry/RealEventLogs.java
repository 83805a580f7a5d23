package dev.breaklab.telemetry;

import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.deploy.history.EventLogFileReader;
import org.apache.spark.scheduler.EventLoggingListener;
import org.apache.spark.scheduler.ReplayListenerBus;
import org.apache.spark.sql.SparkSession;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FunctionConverters;

/**
 * Event logs written by real Spark, once per test JVM: while two lab runs execute (tiny-partitions /
 * broken, 1,000 tasks; aqe-join-switch / fixed, AQE re-plans), Spark's own {@code
 * EventLoggingListener}s are attached to the lab's context, one per shape an upload can take: plain,
 * zstd, lz4, snappy and lzf single files (as {@code spark.eventLog.compression.codec} selects),
 * a rolling zstd folder that rolls at 2 MiB, and logs left in progress. They start with the lab
 * application's own first events (application start, environment, executors), replayed from the
 * lab's event log, so each is a complete application log the History Server opens.
 */
public final class RealEventLogs {

    /** The job group of an RDD job outside any SQL execution, run while the logs are written. */
    public static final String RDD_GROUP = "import-test-rdd";

    public static final String RDD_DESCRIPTION = "an RDD job outside SQL";

    private static RealEventLogs instance;

    final Path dir;
    public final RunSnapshot tiny;
    public final RunSnapshot aqe;
    public final String appId;
    /** Shape name -> the file or rolling folder Spark wrote. */
    public final Map<String, Path> logs = new LinkedHashMap<>();

    private RealEventLogs(Path dir, RunSnapshot tiny, RunSnapshot aqe, String appId) {
        this.dir = dir;
        this.tiny = tiny;
        this.aqe = aqe;
        this.appId = appId;
    }

    public static synchronized RealEventLogs get(SparkSession spark, Runs runs, EventLogs eventLogs) throws Exception {
        if (instance == null) {
            instance = write(spark, runs, eventLogs);
        }
        return instance;
    }

    private static RealEventLogs write(SparkSession spark, Runs runs, EventLogs eventLogs) throws Exception {
        SparkContext sc = spark.sparkContext();
        Path dir = Files.createTempDirectory(Path.of("target"), "real-event-logs-");
        Map<String, EventLoggingListener> writers = new LinkedHashMap<>();
        writers.put("plain", writer(sc, dir, "plain", conf(false, null, false)));
        for (String codec : List.of("zstd", "lz4", "snappy", "lzf")) {
            writers.put(codec, writer(sc, dir, codec, conf(true, codec, false)));
        }
        writers.put("rolling", writer(sc, dir, "rolling", conf(true, "zstd", true)));

        // The application's first events, as Spark wrote them into the lab's own log.
        eventLogs.awaitWritten();
        ReplayListenerBus head = new ReplayListenerBus();
        writers.values().forEach(head::addListener);
        Set<String> firstEvents = Set.of(
                "SparkListenerResourceProfileAdded",
                "SparkListenerBlockManagerAdded",
                "SparkListenerEnvironmentUpdate",
                "SparkListenerApplicationStart",
                "SparkListenerExecutorAdded");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path labLog = eventLogs.directory().resolve("eventlog_v2_" + sc.applicationId());
        EventLogFileReader reader = EventLogFileReader.apply(
                        fs, fs.getFileStatus(new org.apache.hadoop.fs.Path(labLog.toUri())))
                .get();
        for (FileStatus file : CollectionConverters.asJava(reader.listEventLogFiles())) {
            try (InputStream in = EventLogFileReader.openEventLog(file.getPath(), fs)) {
                head.replay(
                        in,
                        file.getPath().getName(),
                        true,
                        FunctionConverters.asScalaFromFunction((String line) ->
                                firstEvents.stream().anyMatch(e -> line.startsWith("{\"Event\":\"" + e + "\""))));
            }
        }

        writers.values().forEach(sc::addSparkListener);
        RunSnapshot tiny;
        RunSnapshot aqe;
        try {
            // Small data (the machine is shared), but 1,000 tasks: enough events for the log to roll.
            tiny = runs.run(
                    new RunRequest(
                            "tiny-partitions",
                            "broken",
                            Map.of("rows", 50_000, "shufflePartitions", 1_000),
                            Map.of(),
                            600),
                    Duration.ofMinutes(11));
            aqe = runs.run(
                    new RunRequest("aqe-join-switch", "fixed", Map.of("rows", 100_000), Map.of(), 600),
                    Duration.ofMinutes(11));
            // Jobs outside SQL: an import makes them one run per job group. Two stages (a shuffle).
            sc.setJobGroup(RDD_GROUP, RDD_DESCRIPTION, false);
            try {
                new JavaSparkContext(sc)
                        .parallelize(
                                java.util.stream.IntStream.range(0, 1_000)
                                        .boxed()
                                        .toList(),
                                4)
                        .mapToPair(i -> new Tuple2<>(i % 10, 1))
                        .reduceByKey(Integer::sum, 2)
                        .count();
            } finally {
                sc.clearJobGroup();
            }
            sc.listenerBus().waitUntilEmpty(60_000);
        } finally {
            writers.values().forEach(sc::removeSparkListener);
        }
        if (tiny.status() != RunStatus.SUCCEEDED || aqe.status() != RunStatus.SUCCEEDED) {
            throw new IllegalStateException(
                    "the runs behind the real event logs failed: " + tiny.error() + aqe.error());
        }
        RealEventLogs logs = new RealEventLogs(dir, tiny, aqe, sc.applicationId());
        // Logs still being written: copies taken before their writers stop (Spark flushed every job,
        // stage and SQL event; the zstd frame is still open).
        for (String shape : List.of("plain", "zstd")) {
            Path open = only(dir.resolve(shape));
            Path copy =
                    Files.createDirectories(dir.resolve("inprogress-" + shape)).resolve(open.getFileName());
            Files.copy(open, copy);
        }
        for (Map.Entry<String, EventLoggingListener> w : writers.entrySet()) {
            w.getValue().stop();
            logs.logs.put(w.getKey(), only(dir.resolve(w.getKey())));
        }
        logs.logs.put("inprogress-plain", only(dir.resolve("inprogress-plain")));
        logs.logs.put("inprogress-zstd", only(dir.resolve("inprogress-zstd")));
        return logs;
    }

    private static SparkConf conf(boolean compress, String codec, boolean rolling) {
        SparkConf conf = new SparkConf(false)
                .set("spark.eventLog.enabled", "true")
                .set("spark.eventLog.compress", Boolean.toString(compress))
                .set("spark.eventLog.rolling.enabled", Boolean.toString(rolling))
                .set("spark.eventLog.rolling.maxFileSize", "2m");
        if (codec != null) {
            conf.set("spark.eventLog.compression.codec", codec);
        }
        return conf;
    }

    private static EventLoggingListener writer(SparkContext sc, Path dir, String shape, SparkConf conf)
            throws IOException {
        Path base = Files.createDirectories(dir.resolve(shape));
        EventLoggingListener listener =
                new EventLoggingListener(sc.applicationId(), Option.empty(), base.toUri(), conf, new Configuration());
        listener.start();
        return listener;
    }

    private static Path only(Path shapeDir) throws IOException {
        try (Stream<Path> entries = Files.list(shapeDir)) {
            List<Path> all = entries.toList();
            if (all.size() != 1) {
                throw new IllegalStateException(shapeDir + " holds " + all);
            }
            return all.get(0);
        }
    }

    /** A copy of the plain in-progress log whose last line is cut in the middle. */
    Path truncatedInProgress() throws IOException {
        Path source = logs.get("inprogress-plain");
        byte[] bytes = Files.readAllBytes(source);
        int end = bytes.length - 1;
        while (end > 0 && bytes[end] == '\n') {
            end--;
        }
        int lastStart = end;
        while (lastStart > 0 && bytes[lastStart - 1] != '\n') {
            lastStart--;
        }
        int cut = lastStart + (end - lastStart) / 2;
        Path target = Files.createDirectories(dir.resolve("truncated")).resolve(source.getFileName());
        Files.write(target, java.util.Arrays.copyOf(bytes, cut));
        return target;
    }

    /** A rolling folder zipped by hand (entries under the folder's name), as a user would. */
    Path zippedRollingFolder() throws IOException {
        Path folder = logs.get("rolling");
        Path zip = dir.resolve("rolling-folder.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
                Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted().toList()) {
                out.putNextEntry(new ZipEntry(folder.getFileName() + "/" + f.getFileName()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return zip;
    }

    /** The zip the History Server's REST API serves ({@code /applications/{id}/logs}), made by Spark's reader. */
    Path historyServerZip(String shape) throws IOException {
        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path log = logs.get(shape);
        EventLogFileReader reader = EventLogFileReader.apply(
                        fs, fs.getFileStatus(new org.apache.hadoop.fs.Path(log.toUri())))
                .get();
        Path zip = dir.resolve("history-server-" + shape + ".zip");
        try (OutputStream file = Files.newOutputStream(zip);
                ZipOutputStream out = new ZipOutputStream(file)) {
            reader.zipEventLogFiles(out);
        }
        return zip;
    }

    /** Number of files of the rolling log (it must really roll). */
    int rollingFiles() throws IOException {
        try (Stream<Path> files = Files.list(logs.get("rolling"))) {
            return (int) files.filter(f -> f.getFileName().toString().startsWith("events_"))
                    .count();
        }
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
