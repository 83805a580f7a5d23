package dev.breaklab.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of event-log imports ({@code POST /api/imports}), under {@code lab.imports.*}. Every limit
 * names itself in the problem the lab answers when an upload crosses it.
 *
 * @param maxBytes the largest upload (HTTP 413 beyond it); keep {@code spring.servlet.multipart.*}
 *     at least as large
 * @param maxInflatedBytes the most bytes an upload may decompress to, all files together
 * @param maxRatio the most an upload may inflate relative to its compressed size (a decompression
 *     bomb inflates thousands of times; Spark's zstd event logs inflate 10 to 40 times)
 * @param maxLineBytes the longest line (one event) of a log; a task end is about 2 to 10 KB, a
 *     query start with its plan rarely more than a few MB
 * @param maxRuns the most runs (SQL executions, job groups) one import creates; later ones are
 *     skipped with a warning
 * @param queueCapacity imports waiting behind the one being replayed (429 beyond)
 * @param retained import statuses remembered ({@code GET /api/imports/{id}})
 * @param parseThreads threads parsing an import's JSON (0: as many as cores, at most 4)
 */
@ConfigurationProperties("lab.imports")
public record ImportProperties(
        @DefaultValue("1GB") DataSize maxBytes,
        @DefaultValue("32GB") DataSize maxInflatedBytes,
        @DefaultValue("200") int maxRatio,
        @DefaultValue("64MB") DataSize maxLineBytes,
        @DefaultValue("500") int maxRuns,
        @DefaultValue("4") int queueCapacity,
        @DefaultValue("50") int retained,
        @DefaultValue("0") int parseThreads) {}
