package dev.breaklab.history;

import java.time.OffsetDateTime;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * One row of {@code runs} (see {@code db/migration/V1__runs.sql}): the columns run lists filter and
 * sort on, and the whole run as the JSON {@code GET /api/runs/{id}} serves. Times are UTC offsets:
 * the columns are {@code TIMESTAMP WITH TIME ZONE} on H2 and PostgreSQL alike.
 */
@Table("runs")
record StoredRun(
        @Id String id,
        String experimentId,
        String variant,
        String status,
        String source,
        OffsetDateTime submittedAt,
        OffsetDateTime finishedAt,
        Long durationMs,
        String result,
        String errorClass,
        OffsetDateTime savedAt,
        String snapshot) {}
