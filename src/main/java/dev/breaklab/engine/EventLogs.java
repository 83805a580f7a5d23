package dev.breaklab.engine;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.system.EventLogProperties;
import dev.breaklab.system.HistoryServerProperties;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.EventLogBarrier;
import dev.breaklab.telemetry.RunEventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The lab's Spark event logs ({@code spark.eventLog.dir = <lab.data-dir>/event-logs}): where they
 * are, which History Server reads them, and one run's events as a log of its own. At start-up only
 * the newest {@code lab.event-logs.retained-applications} earlier applications' logs are kept.
 */
@Component
public class EventLogs {

    private static final Logger log = LoggerFactory.getLogger(EventLogs.class);
    private static final Duration FLUSH_WAIT = Duration.ofSeconds(10);

    private final EmbeddedSpark engine;
    private final Path directory;
    private final String historyServerUrl;
    /**
     * On the current SparkContext's event-log queue, installed once that context exists (the lab's
     * context must not wait for Spark, engine/SparkStarter), again for each context an engine switch starts.
     */
    private volatile EventLogBarrier barrier;

    EventLogs(
            EmbeddedSpark engine,
            LabProperties lab,
            EventLogProperties properties,
            HistoryServerProperties historyServer) {
        this.engine = engine;
        this.directory = lab.dataDir().toAbsolutePath().resolve("event-logs");
        String url = historyServer.url();
        this.historyServerUrl = url == null || url.isBlank() ? null : url.replaceAll("/+$", "");
        engine.whenCreated(session -> {
            retain(session.sparkContext().applicationId(), properties.retainedApplications());
            barrier = EventLogBarrier.install(session.sparkContext());
        });
    }

    private SparkSession spark() {
        return engine.session();
    }

    /** {@code spark.eventLog.dir}: what a History Server's {@code spark.history.fs.logDirectory} points at. */
    public Path directory() {
        return directory;
    }

    /** The configured History Server, or null. */
    public String historyServerUrl() {
        return historyServerUrl;
    }

    public String applicationId() {
        return spark().sparkContext().applicationId();
    }

    /**
     * When the lab's Spark application started (runs submitted since are in its event log); null
     * while Spark starts or the engine switches, without waiting for it.
     */
    public java.time.Instant applicationStartTime() {
        return engine.ifReady()
                .map(session ->
                        java.time.Instant.ofEpochMilli(session.sparkContext().startTime()))
                .orElse(null);
    }

    /**
     * Writes {@code run}'s events as an event log of its own to {@code target}, compressed with
     * {@code codec} (null: plain). Waits first, bounded, until Spark's event-log writer has caught up
     * with everything posted so far. Empty when no retained application log holds the run.
     */
    public Optional<RunLog> writeRun(RunSnapshot run, Path target, String codec) throws IOException {
        SparkContext sc = spark().sparkContext();
        awaitWritten();
        return RunEventLog.write(directory, sc.applicationId(), run, target, codec)
                .map(w -> new RunLog(w.file(), w.fileName(), w.applicationId(), w.events()));
    }

    /** A run's own event log, written: its file, the name to give it, its application id. */
    public record RunLog(Path file, String fileName, String applicationId, long events) {}

    /** Waits (bounded) until Spark's event-log writer has taken every event posted so far. */
    public void awaitWritten() {
        EventLogBarrier current = barrier;
        if (current == null || spark().sparkContext().isStopped()) {
            return;
        }
        try {
            if (!current.await(FLUSH_WAIT)) {
                log.warn("Spark's event log did not catch up within {}", FLUSH_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the oldest application logs beyond {@code keep} (never the running application's). */
    private void retain(String current, int keep) {
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> old = entries.filter(p -> !p.getFileName().toString().contains(current))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparingLong((Path p) -> p.toFile().lastModified())
                            .reversed())
                    .skip(Math.max(0, keep))
                    .toList();
            for (Path p : old) {
                delete(p);
            }
        } catch (IOException e) {
            log.warn("Could not apply event-log retention in {}: {}", directory, e.toString());
        }
    }

    private static void delete(Path p) throws IOException {
        try (Stream<Path> all = Files.walk(p)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
