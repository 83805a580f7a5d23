package dev.breaklab.web;

import dev.breaklab.engine.EventLogImports;
import dev.breaklab.engine.EventLogImports.ImportStatus;
import dev.breaklab.engine.EventLogImports.Redaction;
import dev.breaklab.engine.RunProblems;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Spark event logs in: {@code POST /api/imports} (multipart field {@code file}, optional {@code
 * redact=hosts,paths,users}) answers 202 with the import's status, then {@code GET
 * /api/imports/{id}} follows it until its runs exist.
 */
@RestController
@RequestMapping("/api/imports")
class ImportController {

    private static final Set<String> REDACTIONS = Set.of("hosts", "paths", "users");

    private final EventLogImports imports;

    ImportController(EventLogImports imports) {
        this.imports = imports;
    }

    @PostMapping(consumes = "multipart/form-data")
    ResponseEntity<ImportStatus> submit(
            @RequestPart(name = "file", required = false) MultipartFile file,
            @RequestParam(name = "redact", required = false) List<String> redact) {
        if (file == null || file.isEmpty()) {
            throw RunProblems.invalid(
                    "file",
                    "no file was uploaded",
                    "a Spark event log in the multipart field 'file': a single file (plain, zstd, lz4, snappy,"
                            + " lzf), a zipped eventlog_v2_* folder or the zip of the History Server's /logs");
        }
        Set<String> hide = new java.util.HashSet<>();
        for (String r : redact == null ? List.<String>of() : redact) {
            for (String part : r.split(",")) {
                String p = part.trim().toLowerCase(Locale.ROOT);
                if (p.isEmpty()) {
                    continue;
                }
                if (!REDACTIONS.contains(p)) {
                    throw RunProblems.invalid(
                            "redact", "unknown redaction '" + part + "'", "any of hosts, paths, users");
                }
                hide.add(p);
            }
        }
        ImportStatus status = imports.submit(
                file.getOriginalFilename(),
                file.getSize(),
                file::transferTo,
                new Redaction(hide.contains("hosts"), hide.contains("paths"), hide.contains("users")));
        return ResponseEntity.accepted()
                .location(URI.create("/api/imports/" + status.id()))
                .body(status);
    }

    @GetMapping
    List<ImportStatus> list() {
        return imports.newestFirst();
    }

    @GetMapping("/{id}")
    ImportStatus get(@PathVariable String id) {
        return imports.find(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a recent import"));
    }
}
