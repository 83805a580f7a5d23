package dev.breaklab.engine;

import dev.breaklab.insight.Insight;
import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.system.ImportProperties;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.EventLogException;
import dev.breaklab.telemetry.EventLogImport;
import dev.breaklab.telemetry.EventLogSource;
import dev.breaklab.telemetry.LiveRun;
import dev.breaklab.telemetry.RunStore;
import dev.breaklab.telemetry.SnapshotPublisher;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Service;
import org.springframework.util.unit.DataSize;

/**
 * Imports of uploaded Spark event logs ({@code POST /api/imports}). What can be judged at once is
 * judged before the upload is accepted (size, shape, codec, the first line and its Spark version);
 * the rest of the log replays on one background thread. Runs appear only when the whole log has
 * replayed: they are diagnosed like any run (findings with the uploaded application's own cores,
 * the stage prediction) and then added to the lab's runs, where they are ordinary runs with
 * {@code source = "import"}. A failed import leaves nothing behind but its status.
 */
@Service
public class EventLogImports {

    private static final Logger log = LoggerFactory.getLogger(EventLogImports.class);

    /** Writes the upload to the path given (e.g. {@code MultipartFile::transferTo}). */
    @FunctionalInterface
    public interface Upload {
        void writeTo(Path target) throws IOException;
    }

    /** What to hide while importing: host names, file paths, user names. */
    public record Redaction(boolean hosts, boolean paths, boolean users) {}

    public enum Status {
        RUNNING,
        SUCCEEDED,
        FAILED
    }

    /** {@code fraction} of the upload's compressed bytes read (0..1), and events read. */
    public record Progress(double fraction, long events) {}

    /** The application the log came from. */
    public record Application(String id, String name, String sparkVersion, int cores) {}

    /** {@code GET /api/imports/{id}}. {@code error} is a problem detail when the import failed. */
    public record ImportStatus(
            String id,
            Status status,
            String fileName,
            long sizeBytes,
            Instant submittedAt,
            Instant finishedAt,
            Progress progress,
            List<String> runs,
            List<String> warnings,
            Application application,
            ProblemDetail error) {}

    private final RunStore store;
    private final SnapshotPublisher publisher;
    private final Insight insight;
    private final ImportProperties limits;
    private final Path importsDir;
    private final ExecutorService worker;
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    public EventLogImports(
            RunStore store, SnapshotPublisher publisher, Insight insight, ImportProperties limits, LabProperties lab) {
        this.store = store;
        this.publisher = publisher;
        this.insight = insight;
        this.limits = limits;
        this.importsDir = lab.dataDir().toAbsolutePath().resolve("imports");
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lab-import");
            t.setDaemon(true);
            return t;
        });
    }

    public long maxBytes() {
        return limits.maxBytes().toBytes();
    }

    /**
     * Checks the upload and queues its replay; throws a 400/413 problem for bad input and 429 when
     * too many imports are waiting.
     */
    public ImportStatus submit(String fileName, long size, Upload upload, Redaction redaction) {
        if (size > limits.maxBytes().toBytes()) {
            throw EventLogProblems.exception(tooLarge(fileName, size));
        }
        synchronized (jobs) {
            long unfinished = jobs.values().stream()
                    .filter(j -> j.status == Status.RUNNING)
                    .count();
            // One replaying, queueCapacity waiting.
            if (unfinished >= 1L + limits.queueCapacity()) {
                throw RunProblems.queueFull(limits.queueCapacity(), 10);
            }
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path work = importsDir.resolve(id);
        Job job = new Job(id, fileName, size);
        try {
            Files.createDirectories(work);
            Path incoming = work.resolve("upload");
            upload.writeTo(incoming);
            long stored = Files.size(incoming);
            if (stored > limits.maxBytes().toBytes()) {
                throw tooLarge(fileName, stored);
            }
            job.size = stored;
            EventLogSource source = EventLogSource.prepare(
                    incoming, fileName, work, limits.maxInflatedBytes().toBytes(), limits.maxRatio());
            EventLogImport.checkStart(source, importLimits());
            job.source = source;
        } catch (EventLogException e) {
            Directories.deleteQuietly(work);
            throw EventLogProblems.exception(e);
        } catch (IOException e) {
            Directories.deleteQuietly(work);
            throw EventLogProblems.problem(
                    HttpStatus.BAD_REQUEST,
                    "event-log-unreadable",
                    "Unreadable upload",
                    "the upload could not be read: " + e.getMessage());
        }
        synchronized (jobs) {
            jobs.put(id, job);
            trim();
        }
        job.future = worker.submit(() -> replay(job, work, redaction));
        return job.status();
    }

    public Optional<ImportStatus> find(String id) {
        synchronized (jobs) {
            Job job = jobs.get(id);
            return Optional.ofNullable(job == null ? null : job.status());
        }
    }

    public List<ImportStatus> newestFirst() {
        synchronized (jobs) {
            List<ImportStatus> out = new ArrayList<>();
            jobs.values().forEach(j -> out.add(0, j.status()));
            return out;
        }
    }

    private void replay(Job job, Path work, Redaction redaction) {
        try {
            EventLogImport.Result result = EventLogImport.replay(
                    job.source,
                    job.id,
                    importLimits(),
                    new EventLogImport.Redaction(redaction.hosts(), redaction.paths(), redaction.users()),
                    job.progress);
            job.application = new Application(result.appId(), result.appName(), result.sparkVersion(), result.cores());
            List<LiveRun> runs = result.runs();
            // Judged with the uploaded application's own cores and result-size guard; the findings
            // are on each run's final snapshot before anyone can see it (the publisher applies this).
            RunDiagnosis diagnosis = snapshot -> snapshot.withInsight(
                    insight.findings(snapshot, result.cores(), result.maxResultSizeBytes()),
                    insight.stageCount(snapshot));
            runs.forEach(live -> live.diagnosedBy(diagnosis));
            List<String> ids = new ArrayList<>();
            for (LiveRun live : runs) {
                store.add(live);
                publisher.publish(live);
                ids.add(live.id());
            }
            job.finish(Status.SUCCEEDED, ids, result.warnings(), null);
            log.info("Import {} ({}): {} runs from {} events", job.id, job.fileName, ids.size(), result.events());
        } catch (EventLogException e) {
            job.finish(Status.FAILED, List.of(), job.source.warnings(), EventLogProblems.of(e));
        } catch (Throwable t) {
            log.warn("Import {} failed", job.id, t);
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST,
                    "the log could not be replayed: "
                            + (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()));
            problem.setType(java.net.URI.create("urn:spark-break-lab:problem:event-log-unreadable"));
            problem.setTitle("Unreadable event log");
            job.finish(Status.FAILED, List.of(), job.source.warnings(), problem);
            if (t instanceof VirtualMachineError vme && !(t instanceof OutOfMemoryError)) {
                throw vme;
            }
        } finally {
            job.source = null;
            Directories.deleteQuietly(work);
        }
    }

    private EventLogImport.Limits importLimits() {
        return new EventLogImport.Limits(
                limits.maxLineBytes().toBytes(),
                limits.maxInflatedBytes().toBytes(),
                limits.maxRatio(),
                limits.maxRuns(),
                limits.parseThreads());
    }

    private EventLogException tooLarge(String fileName, long size) {
        return new EventLogException(
                EventLogException.Kind.TOO_LARGE,
                fileName,
                null,
                "the upload has " + dev.breaklab.run.Figures.bytes(size) + "; the limit is "
                        + DataSize.ofBytes(limits.maxBytes().toBytes()).toMegabytes() + " MB (lab.imports.max-bytes)");
    }

    private void trim() {
        while (jobs.size() > Math.max(1, limits.retained())) {
            String oldest = jobs.entrySet().stream()
                    .filter(e -> e.getValue().status != Status.RUNNING)
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElse(null);
            if (oldest == null) {
                return;
            }
            jobs.remove(oldest);
        }
    }

    @PreDestroy
    void shutdown() {
        worker.shutdownNow();
    }

    /** One import, from upload to its last status. */
    private static final class Job {
        final String id;
        final String fileName;
        final Instant submittedAt = Instant.now();
        final EventLogImport.Progress progress = new EventLogImport.Progress();
        volatile long size;
        volatile EventLogSource source;
        volatile java.util.concurrent.Future<?> future;
        volatile Status status = Status.RUNNING;
        volatile Instant finishedAt;
        volatile List<String> runs = List.of();
        volatile List<String> warnings = List.of();
        volatile Application application;
        volatile ProblemDetail error;

        Job(String id, String fileName, long size) {
            this.id = id;
            this.fileName = fileName;
            this.size = size;
        }

        void finish(Status status, List<String> runs, List<String> warnings, ProblemDetail error) {
            this.runs = List.copyOf(runs);
            this.warnings = List.copyOf(warnings);
            this.error = error;
            this.finishedAt = Instant.now();
            this.status = status;
        }

        ImportStatus status() {
            double fraction = status == Status.SUCCEEDED ? 1.0 : progress.fraction();
            return new ImportStatus(
                    id,
                    status,
                    fileName,
                    size,
                    submittedAt,
                    finishedAt,
                    new Progress(fraction, progress.events()),
                    runs,
                    warnings,
                    application,
                    error);
        }
    }
}
