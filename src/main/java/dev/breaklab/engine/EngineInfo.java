package dev.breaklab.engine;

/**
 * What the lab runs on, as {@code GET /api/engine} reports it. {@code state} is {@code starting}
 * while Spark starts beside the lab (runs submitted meanwhile wait in the queue), then
 * {@code running}; {@code failed} (with {@code error}) or {@code stopped} otherwise.
 */
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
        long sessionStartMs,
        String state,
        String error) {}
