package dev.breaklab.telemetry;

import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.telemetry.EventLogSource.LogFile;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.history.EventLogFileReader;
import org.apache.spark.deploy.history.EventLogFileWriter;
import org.apache.spark.io.CompressionCodec;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.util.JsonProtocol;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One lab run as a Spark event log of its own: the lines of the lab's application event log that
 * belong to the run (its jobs, stages, tasks and SQL executions, by the ids in the run snapshot),
 * plus what the History Server needs to open an application (log start, application start with an
 * id of its own, environment, executors, block managers, resource profiles) and an application end.
 * The lines are Spark's own, copied as written; only the application start is rewritten (through
 * {@code JsonProtocol}) so that each run's log is a distinct application.
 */
public final class RunEventLog {

    private static final String EVENT_PREFIX = "{\"Event\":\"";
    private static final Set<String> APPLICATION_EVENTS = Set.of(
            "SparkListenerEnvironmentUpdate",
            "SparkListenerResourceProfileAdded",
            "SparkListenerExecutorAdded",
            "SparkListenerExecutorRemoved",
            "SparkListenerBlockManagerAdded",
            "SparkListenerBlockManagerRemoved");
    private static final Set<String> STAGE_EVENTS = Set.of(
            "SparkListenerStageSubmitted",
            "SparkListenerStageCompleted",
            "SparkListenerTaskStart",
            "SparkListenerTaskEnd",
            "SparkListenerStageExecutorMetrics",
            "SparkListenerSpeculativeTaskSubmitted");
    private static final Set<String> SQL_EVENTS = Set.of(
            "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveSQLMetricUpdates",
            "org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates");

    private RunEventLog() {}

    /** A run's log, written to a file: its name as the History Server would list it. */
    public record Written(Path file, String fileName, String applicationId, long events) {}

    /**
     * Finds the application log under {@code eventLogDir} that holds {@code run} (the one named
     * {@code preferredAppId} first, then the newest) and writes the run's events to {@code target}
     * compressed with {@code codec} (one of Spark's, or null for plain JSON lines). Empty when no
     * log holds the run.
     */
    public static java.util.Optional<Written> write(
            Path eventLogDir, String preferredAppId, RunSnapshot run, Path target, String codec) throws IOException {
        if (run.jobs().isEmpty() || !Files.isDirectory(eventLogDir)) {
            return java.util.Optional.empty();
        }
        FileSystem fs = FileSystem.getLocal(new Configuration());
        for (Path candidate : candidates(eventLogDir, preferredAppId, run.submittedAt())) {
            FileStatus status = fs.getFileStatus(new org.apache.hadoop.fs.Path(candidate.toUri()));
            Option<EventLogFileReader> reader;
            try {
                reader = EventLogFileReader.apply(fs, status);
            } catch (RuntimeException e) {
                continue;
            }
            if (reader.isEmpty()) {
                continue;
            }
            List<LogFile> files = new ArrayList<>();
            for (FileStatus f : CollectionConverters.asJava(reader.get().listEventLogFiles())) {
                Option<String> c = EventLogFileWriter.codecName(f.getPath());
                files.add(new LogFile(
                        Path.of(f.getPath().toUri()),
                        f.getPath().getName(),
                        c.isDefined() ? c.get() : null,
                        f.getLen()));
            }
            java.util.Optional<Written> written = copy(files, run, target, codec);
            if (written.isPresent()) {
                return written;
            }
        }
        Files.deleteIfExists(target);
        return java.util.Optional.empty();
    }

    private static List<Path> candidates(Path dir, String preferredAppId, Instant runSubmitted) throws IOException {
        String preferred =
                preferredAppId == null ? null : EventLogFileWriter.nameForAppAndAttempt(preferredAppId, Option.empty());
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> modified(p) >= (runSubmitted == null ? 0 : runSubmitted.toEpochMilli() - 1_000))
                    .sorted(Comparator.comparing((Path p) -> preferred == null
                                    || !p.getFileName().toString().contains(preferred))
                            .thenComparing(Comparator.comparingLong(RunEventLog::modified)
                                    .reversed()))
                    .toList();
        }
    }

    private static long modified(Path p) {
        try (Stream<Path> inside = Files.isDirectory(p) ? Files.list(p) : Stream.of(p)) {
            return inside.mapToLong(f -> f.toFile().lastModified()).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static java.util.Optional<Written> copy(List<LogFile> files, RunSnapshot run, Path target, String codec)
            throws IOException {
        Set<Integer> jobs = new HashSet<>();
        Set<Integer> stages = new HashSet<>();
        for (JobSnapshot job : run.jobs()) {
            jobs.add(job.jobId());
            stages.addAll(job.stageIds());
        }
        for (StageSnapshot stage : run.stages()) {
            stages.add(stage.stageId());
        }
        Set<Long> executions = new HashSet<>();
        for (SqlSnapshot sql : run.sql()) {
            executions.add(sql.executionId());
        }
        Set<Long> tasks = new HashSet<>();
        String runMarker = "\"" + LabListener.RUN_PROPERTY + "\":\"" + run.id() + "\"";
        boolean verified = false;
        boolean logStart = false;
        String appId = null;
        long events = 0;
        long lastTime = 0;
        try (OutputStream file = Files.newOutputStream(target);
                OutputStream out = new BufferedOutputStream(
                        codec == null
                                ? file
                                : CompressionCodec.createCodec(new SparkConf(false), codec)
                                        .compressedOutputStream(file),
                        256 * 1024)) {
            for (LogFile log : files) {
                long[] ignored = {0};
                try (InputStream in = EventLogSource.open(log, ignored)) {
                    EventLogLines lines = new EventLogLines(
                            in,
                            log.name(),
                            () -> 0,
                            new EventLogLines.Limits(Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE),
                            true);
                    while (true) {
                        String line;
                        try {
                            line = lines.readLine();
                        } catch (EOFException e) {
                            break;
                        }
                        if (line == null) {
                            break;
                        }
                        // Only whole lines: the application's log may be being written right now.
                        if (!lines.lastLineTerminated() || !line.startsWith(EVENT_PREFIX) || !line.endsWith("}")) {
                            continue;
                        }
                        int nameEnd = line.indexOf('"', EVENT_PREFIX.length());
                        String name = nameEnd < 0 ? "" : line.substring(EVENT_PREFIX.length(), nameEnd);
                        String keep = null;
                        if (name.equals("SparkListenerLogStart")) {
                            keep = logStart ? null : line;
                            logStart = true;
                        } else if (name.equals("SparkListenerApplicationStart")) {
                            SparkListenerApplicationStart start =
                                    (SparkListenerApplicationStart) JsonProtocol.sparkEventFromJson(line);
                            appId = (start.appId().isDefined() ? start.appId().get() : "app") + "-run-" + run.id();
                            keep = JsonProtocol.sparkEventToJsonString(new SparkListenerApplicationStart(
                                    start.appName() + ": run " + run.id() + " (" + run.description() + ")",
                                    Option.apply(appId),
                                    start.time(),
                                    start.sparkUser(),
                                    start.appAttemptId(),
                                    start.driverLogs(),
                                    start.driverAttributes()));
                        } else if (APPLICATION_EVENTS.contains(name)) {
                            keep = line;
                        } else if (name.equals("SparkListenerJobStart") || name.equals("SparkListenerJobEnd")) {
                            if (jobs.contains((int) number(line, "\"Job ID\":"))) {
                                keep = line;
                                verified |= name.equals("SparkListenerJobStart") && line.contains(runMarker);
                            }
                        } else if (STAGE_EVENTS.contains(name)) {
                            if (stages.contains((int) number(line, "\"Stage ID\":"))) {
                                keep = line;
                                if (name.equals("SparkListenerTaskStart")) {
                                    tasks.add(number(line, "\"Task ID\":"));
                                }
                            }
                        } else if (name.equals("SparkListenerTaskGettingResult")) {
                            keep = tasks.contains(number(line, "\"Task ID\":")) ? line : null;
                        } else if (SQL_EVENTS.contains(name)) {
                            keep = executions.contains(number(line, "\"executionId\":")) ? line : null;
                        }
                        if (keep != null) {
                            out.write(keep.getBytes(StandardCharsets.UTF_8));
                            out.write('\n');
                            events++;
                        }
                    }
                }
            }
            if (verified) {
                lastTime = run.finishedAt() != null ? run.finishedAt().toEpochMilli() : System.currentTimeMillis();
                out.write(JsonProtocol.sparkEventToJsonString(new SparkListenerApplicationEnd(lastTime, Option.empty()))
                        .getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                events++;
            }
        }
        if (!verified || appId == null) {
            return java.util.Optional.empty();
        }
        String fileName =
                EventLogFileWriter.nameForAppAndAttempt(appId, Option.empty()) + (codec == null ? "" : "." + codec);
        return java.util.Optional.of(new Written(target, fileName, appId, events));
    }

    /** The number after {@code key} (Spark writes the id fields of an event before its details). */
    static long number(String line, String key) {
        int at = line.indexOf(key);
        if (at < 0) {
            return Long.MIN_VALUE;
        }
        int i = at + key.length();
        boolean negative = i < line.length() && line.charAt(i) == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        int digits = 0;
        while (i < line.length() && Character.isDigit(line.charAt(i))) {
            value = value * 10 + (line.charAt(i++) - '0');
            digits++;
        }
        return digits == 0 ? Long.MIN_VALUE : negative ? -value : value;
    }
}
