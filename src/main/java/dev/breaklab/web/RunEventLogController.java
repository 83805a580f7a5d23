package dev.breaklab.web;

import dev.breaklab.engine.EventLogProblems;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/runs/{id}/eventlog}: one finished lab run as a Spark event log of its own, which
 * the Spark History Server opens (put it in {@code spark.history.fs.logDirectory}). Compressed with
 * zstd by default (Spark 4's default codec); {@code ?codec=none|lz4|lzf|snappy|zstd}.
 */
@RestController
class RunEventLogController {

    private static final Set<String> CODECS = Set.of("none", "lz4", "lzf", "snappy", "zstd");

    private final RunSnapshots runs;
    private final EventLogs eventLogs;

    RunEventLogController(RunSnapshots runs, EventLogs eventLogs) {
        this.runs = runs;
        this.eventLogs = eventLogs;
    }

    @GetMapping("/api/runs/{id}/eventlog")
    ResponseEntity<InputStreamResource> eventLog(
            @PathVariable String id, @RequestParam(defaultValue = "zstd") String codec) throws IOException {
        String c = codec.toLowerCase(Locale.ROOT);
        if (!CODECS.contains(c)) {
            throw RunProblems.invalid("codec", "unknown codec '" + codec + "'", "one of " + String.join(", ", CODECS));
        }
        RunSnapshot run = runs.find(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a retained run"));
        if (run.imported()) {
            throw RunProblems.conflict("run " + id
                    + " was imported from an uploaded event log; its events are in that log, not in the lab's");
        }
        if (!run.status().finished()) {
            throw RunProblems.conflict(
                    "run " + id + " is still " + run.status() + "; its event log is complete once it ends");
        }
        Path tmp = Files.createTempFile("run-" + id + "-", ".eventlog");
        EventLogs.RunLog written;
        try {
            written = eventLogs
                    .writeRun(run, tmp, c.equals("none") ? null : c)
                    .orElseThrow(() -> EventLogProblems.problem(
                            HttpStatus.NOT_FOUND,
                            "not-found",
                            "Not found",
                            "the lab's event logs (" + eventLogs.directory()
                                    + ") no longer hold the jobs of run " + id
                                    + " (they keep the newest lab.event-logs.retained-applications sessions)"));
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        long length = Files.size(written.file());
        // The temporary file goes once the response has been written (the converter closes the stream).
        InputStream in = new FilterInputStream(Files.newInputStream(written.file())) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    Files.deleteIfExists(written.file());
                }
            }
        };
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(length)
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename(written.fileName())
                                .build()
                                .toString())
                .header("X-Spark-Application-Id", written.applicationId())
                .body(new InputStreamResource(in));
    }
}
