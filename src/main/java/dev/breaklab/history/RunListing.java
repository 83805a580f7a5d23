package dev.breaklab.history;

import java.time.OffsetDateTime;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A row of {@code runs} as run lists read it: every column but the snapshot, so that a page of 50
 * runs reads 50 short rows, not 50 runs' JSON.
 */
@Table("runs")
record RunListing(
        @Id String id,
        String experimentId,
        String variant,
        String status,
        String source,
        OffsetDateTime submittedAt,
        OffsetDateTime finishedAt,
        Long durationMs,
        String result,
        String errorClass) {}
