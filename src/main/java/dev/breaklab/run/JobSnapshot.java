package dev.breaklab.run;

import java.time.Instant;
import java.util.List;

public record JobSnapshot(
        int jobId,
        JobStatus status,
        List<Integer> stageIds,
        Long sqlExecutionId,
        Instant submittedAt,
        Instant completedAt) {}
