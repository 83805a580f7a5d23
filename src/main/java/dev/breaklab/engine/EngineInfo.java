package dev.breaklab.engine;

import dev.breaklab.run.EngineExecutor;
import java.util.List;

/**
 * What the lab runs on, as {@code GET /api/engine} reports it. {@code state} is {@code starting}
 * while Spark starts beside the lab (runs submitted meanwhile wait in the queue), then
 * {@code running}; {@code failed} (with {@code error}) or {@code stopped} otherwise.
 *
 * <p>{@code mode} is {@code embedded}, {@code local-cluster} or {@code remote};
 * {@code activeExecutors} counts the executors alive now (the driver is not one; an embedded engine
 * runs its tasks in the driver and has none); {@code executors} lists every executor seen, the
 * driver first, removed ones with the reason (an engine switch forgets the old context's executors).
 *
 * <p>While the engine switches to another mode ({@code PUT /api/engine}), {@code state} is
 * {@code switching} (the runs on the old session end, then it stops; {@code switchingFrom} names the
 * old mode), then {@code starting}, then {@code running}; {@code mode} is the new mode throughout.
 */
public record EngineInfo(
        String mode,
        String master,
        String sparkVersion,
        String scalaVersion,
        String javaVersion,
        int defaultParallelism,
        int activeExecutors,
        List<EngineExecutor> executors,
        String applicationId,
        String sparkUiUrl,
        boolean alive,
        int queuedRuns,
        int runningRuns,
        long sessionStartMs,
        String state,
        String error,
        String switchingFrom) {}
