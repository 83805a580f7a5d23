package dev.breaklab.run;

import java.time.Instant;

/** One start of a streaming query within the run; a restart from a checkpoint is a new entry. */
public record StreamQuerySnapshot(
        String queryId, String queryRunId, String name, Instant startedAt, Instant terminatedAt, String exception) {}
