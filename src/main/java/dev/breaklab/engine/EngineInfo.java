package dev.breaklab.engine;

/** What the lab runs on, as {@code GET /api/engine} reports it. */
public record EngineInfo(
        String mode,
        String master,
        String sparkVersion,
        String scalaVersion,
        String javaVersion,
        int defaultParallelism,
        int executors,
        String applicationId,
        String sparkUiUrl,
        boolean alive,
        int queuedRuns,
        int runningRuns,
        long sessionStartMs) {}
