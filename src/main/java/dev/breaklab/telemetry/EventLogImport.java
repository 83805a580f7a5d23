package dev.breaklab.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.breaklab.telemetry.EventLogException.Kind;
import dev.breaklab.telemetry.EventLogSource.LogFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.ReplayListenerBus;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerLogStart;
import org.apache.spark.util.JsonProtocol;

/**
 * Replays an uploaded Spark event log into imported runs: each line is parsed by Spark's {@code
 * JsonProtocol} and posted through Spark's {@code ReplayListenerBus} (the loop of its {@code replay},
 * parsing on a few threads: {@link ParallelReplay}; a log still being written may end in a cut-off
 * line, {@code maybeTruncated}) to {@link ImportRouter}, which feeds the lab's {@link LabListener}. Lines come from {@link EventLogLines} (limits, line numbers); events Spark does not
 * know (vendor extensions) are skipped before parsing and counted. Nothing is returned unless the
 * whole log replayed: a failure is one {@link EventLogException} naming the file and line.
 */
public final class EventLogImport {

    /** Spark's built-in event names ({@code JsonProtocol} writes these unqualified). */
    private static final Set<String> BUILT_IN = Set.of(
            "SparkListenerStageSubmitted",
            "SparkListenerStageCompleted",
            "SparkListenerTaskStart",
            "SparkListenerTaskGettingResult",
            "SparkListenerTaskEnd",
            "SparkListenerJobStart",
            "SparkListenerJobEnd",
            "SparkListenerEnvironmentUpdate",
            "SparkListenerBlockManagerAdded",
            "SparkListenerBlockManagerRemoved",
            "SparkListenerUnpersistRDD",
            "SparkListenerApplicationStart",
            "SparkListenerApplicationEnd",
            "SparkListenerExecutorAdded",
            "SparkListenerExecutorRemoved",
            "SparkListenerLogStart",
            "SparkListenerExecutorMetricsUpdate",
            "SparkListenerStageExecutorMetrics",
            "SparkListenerBlockUpdated",
            "SparkListenerResourceProfileAdded");

    /**
     * The events a run is built from; the others (task starts, block managers, executor metrics,
     * RDD unpersists, streaming progress...) are read and counted but not parsed: a finished run keeps
     * nothing of them. Spark's History Server filters its listing replay the same way.
     */
    private static final Set<String> ROUTED = Set.of(
            "SparkListenerLogStart",
            "SparkListenerApplicationStart",
            "SparkListenerEnvironmentUpdate",
            "SparkListenerExecutorAdded",
            "SparkListenerExecutorRemoved",
            "SparkListenerJobStart",
            "SparkListenerJobEnd",
            "SparkListenerStageSubmitted",
            "SparkListenerStageCompleted",
            "SparkListenerTaskEnd",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate",
            "org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveSQLMetricUpdates",
            "org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates");

    private static final String EVENT_PREFIX = "{\"Event\":\"";
    private static final String TASK_START_PREFIX = EVENT_PREFIX + "SparkListenerTaskStart\"";
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    private EventLogImport() {}

    /** What to hide while importing. */
    public record Redaction(boolean hosts, boolean paths, boolean users) {
        public static final Redaction NONE = new Redaction(false, false, false);
    }

    /** Limits of one import (see {@code ImportProperties}). */
    public record Limits(long maxLineBytes, long maxInflatedBytes, int maxRatio, int maxRuns, int parseThreads) {}

    /** How far a replay got; read by other threads. */
    public static final class Progress {
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong compressedRead = new AtomicLong();
        private volatile long compressedTotal = 1;

        public long events() {
            return events.get();
        }

        /** 0..1: compressed bytes read of the whole upload. */
        public double fraction() {
            return Math.min(1.0, compressedRead.get() / (double) Math.max(1, compressedTotal));
        }
    }

    /** The replayed application and its runs, finished but not yet diagnosed or published. */
    public record Result(
            List<LiveRun> runs,
            List<String> warnings,
            String appId,
            String appName,
            String sparkVersion,
            int cores,
            long maxResultSizeBytes,
            long events) {}

    /**
     * Checks the first line before anything is queued: it must be Spark's {@code SparkListenerLogStart}
     * of Spark 3.0 or later. Returns the Spark version.
     */
    public static String checkStart(EventLogSource source, Limits limits) throws IOException {
        if (source.files().isEmpty()) {
            throw new EventLogException(Kind.NOTHING_TO_IMPORT, null, null, "the upload holds no event-log file");
        }
        LogFile first = source.files().get(0);
        long[] compressed = {0};
        String line;
        try (InputStream in = EventLogSource.open(first, compressed)) {
            EventLogLines lines = new EventLogLines(
                    in,
                    first.name(),
                    () -> compressed[0],
                    new EventLogLines.Limits(limits.maxLineBytes(), limits.maxInflatedBytes(), limits.maxRatio()),
                    !source.completed());
            line = lines.hasNext() ? lines.next() : null;
        }
        if (line == null || line.isBlank()) {
            throw new EventLogException(Kind.NOTHING_TO_IMPORT, first.name(), 1L, first.name() + " is empty");
        }
        SparkListenerEvent event;
        try {
            event = JsonProtocol.sparkEventFromJson(line);
        } catch (Exception e) {
            if (e instanceof JsonProcessingException json) {
                throw new EventLogException(
                        Kind.NOT_JSON,
                        first.name(),
                        1L,
                        "line 1 of " + first.name() + " is not JSON, so this is no Spark event log: "
                                + json.getOriginalMessage(),
                        e);
            }
            event = null;
        }
        if (!(event instanceof SparkListenerLogStart start)) {
            throw new EventLogException(
                    Kind.UNSUPPORTED_VERSION,
                    first.name(),
                    1L,
                    "line 1 of " + first.name() + " is not SparkListenerLogStart, so the Spark version is"
                            + " unknown: Spark 3.0 and later write it first");
        }
        Matcher v = VERSION.matcher(start.sparkVersion() == null ? "" : start.sparkVersion());
        if (!v.find() || Integer.parseInt(v.group(1)) < 3) {
            throw new EventLogException(
                    Kind.UNSUPPORTED_VERSION,
                    first.name(),
                    1L,
                    "the log was written by Spark " + start.sparkVersion()
                            + "; the lab reads logs of Spark 3.0 and later");
        }
        return start.sparkVersion();
    }

    /** Replays every file of the log, in order, into new imported runs. */
    public static Result replay(
            EventLogSource source, String importId, Limits limits, Redaction redaction, Progress progress)
            throws IOException {
        ImportRouter router = new ImportRouter(importId, limits.maxRuns());
        ReplayListenerBus bus = new ReplayListenerBus();
        bus.addListener(router);
        int threads = limits.parseThreads() > 0
                ? limits.parseThreads()
                : Math.min(4, Runtime.getRuntime().availableProcessors());
        ExecutorService parsers = threads <= 1
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "lab-import-parse");
                    t.setDaemon(true);
                    return t;
                });
        ParallelReplay replay = new ParallelReplay(bus, parsers, threads);
        try {
            return replay(source, router, replay, limits, redaction, progress);
        } finally {
            if (parsers != null) {
                parsers.shutdownNow();
            }
        }
    }

    private static Result replay(
            EventLogSource source,
            ImportRouter router,
            ParallelReplay replay,
            Limits limits,
            Redaction redaction,
            Progress progress)
            throws IOException {
        EventLogRedaction redactor = new EventLogRedaction(redaction.hosts(), redaction.paths(), redaction.users());
        EventLogLines.Limits lineLimits =
                new EventLogLines.Limits(limits.maxLineBytes(), limits.maxInflatedBytes(), limits.maxRatio());
        Map<String, Long> unknown = new TreeMap<>();
        Map<String, Boolean> known = new HashMap<>();
        List<String> warnings = new ArrayList<>(source.warnings());
        progress.compressedTotal = Math.max(1, source.compressedBytes());
        long doneBefore = 0;
        List<LogFile> files = source.files();
        for (int i = 0; i < files.size(); i++) {
            LogFile file = files.get(i);
            boolean maybeTruncated = !source.completed() && i == files.size() - 1;
            long[] compressed = {0};
            long base = doneBefore;
            try (InputStream in = EventLogSource.open(file, compressed)) {
                EventLogLines lines = new EventLogLines(
                        in,
                        file.name(),
                        () -> {
                            progress.compressedRead.set(base + compressed[0]);
                            return compressed[0];
                        },
                        lineLimits,
                        maybeTruncated);
                LastLine last = new LastLine(lines, redactor);
                replay.replay(
                        last,
                        lines::lineNumber,
                        file.name(),
                        maybeTruncated,
                        line -> accept(line, progress, known, unknown));
                if (maybeTruncated
                        && last.line != null
                        && !last.line.stripTrailing().endsWith("}")) {
                    warnings.add("the last line (" + lines.lineNumber() + ") of " + file.name()
                            + " is cut off: the log was still being written; that event was skipped");
                }
                if (lines.endedInsideBlock()) {
                    warnings.add(file.name() + " ends inside a compressed block (the log was still being written)");
                }
            }
            doneBefore += file.size();
            progress.compressedRead.set(doneBefore);
        }
        if (replay.droppedUnknown > 0) {
            unknown.merge("(classes or properties Spark could not read)", replay.droppedUnknown, Long::sum);
        }
        unknown.forEach((name, count) -> warnings.add(count + (count == 1 ? " event" : " events") + " of type " + name
                + " that Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + " does not know were skipped"));
        if (router.skippedRuns() > 0) {
            warnings.add(
                    router.skippedRuns() + " more queries or job groups were not imported: one import creates at most "
                            + limits.maxRuns() + " runs (lab.imports.max-runs)");
        }
        List<LiveRun> runs = router.finish(source.completed());
        if (runs.isEmpty()) {
            throw new EventLogException(
                    Kind.NOTHING_TO_IMPORT,
                    null,
                    null,
                    "the log has no Spark job and no SQL execution to import (" + progress.events() + " events read)");
        }
        ImportRouter.App app = router.app();
        return new Result(
                runs,
                List.copyOf(warnings),
                app.appId(),
                app.appName(),
                app.sparkVersion(),
                app.cores(),
                app.maxResultSizeBytes(),
                progress.events());
    }

    /** Counts the line and lets Spark parse it if it is an event imported runs are built from. */
    private static boolean accept(
            String line, Progress progress, Map<String, Boolean> known, Map<String, Long> unknown) {
        progress.events.incrementAndGet();
        // The two events of every task first, without cutting out the name: half of a log's lines
        // are task starts, which no run needs, and a third or more task ends.
        if (line.startsWith(TASK_START_PREFIX)) {
            return false;
        }
        if (TaskEndJson.isTaskEnd(line)) {
            return true;
        }
        if (!line.startsWith(EVENT_PREFIX)) {
            return !line.isBlank();
        }
        int end = line.indexOf('"', EVENT_PREFIX.length());
        if (end < 0) {
            return true;
        }
        String name = line.substring(EVENT_PREFIX.length(), end);
        if (known.computeIfAbsent(name, EventLogImport::knownEvent)) {
            return ROUTED.contains(name);
        }
        unknown.merge(name, 1L, Long::sum);
        return false;
    }

    private static boolean knownEvent(String name) {
        if (BUILT_IN.contains(name)) {
            return true;
        }
        if (!name.contains(".")) {
            return false;
        }
        try {
            return SparkListenerEvent.class.isAssignableFrom(
                    Class.forName(name, false, EventLogImport.class.getClassLoader()));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The lines, redacted when asked, remembering the last one (a log in progress may cut it off). */
    private static final class LastLine implements Iterator<String> {
        private final EventLogLines lines;
        private final EventLogRedaction redactor;
        String line;

        LastLine(EventLogLines lines, EventLogRedaction redactor) {
            this.lines = lines;
            this.redactor = redactor;
        }

        @Override
        public boolean hasNext() {
            return lines.hasNext();
        }

        @Override
        public String next() {
            line = lines.next();
            return redactor.enabled() ? redactor.apply(line) : line;
        }
    }
}
