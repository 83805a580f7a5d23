package dev.breaklab.run;

import java.time.Instant;

/**
 * One executor of the engine (or the driver, id {@code driver}), as the lab's listener saw it: the
 * Spark UI's Executors tab. Memory figures are bytes; peaks are the largest values the executor's
 * heartbeats reported (Spark's executor metrics; 0 until the first heartbeat).
 *
 * @param removedReason why Spark removed it (with the exit code when its process exited), or null
 * @param storageMemoryUsedBytes cached blocks in memory now (storage part of the unified pool)
 * @param storageMemoryTotalBytes the executor's unified memory (execution and storage) as its block
 *     manager reported it
 */
public record EngineExecutor(
        String executorId,
        String host,
        int cores,
        boolean active,
        Instant addedAt,
        Instant removedAt,
        String removedReason,
        long storageMemoryUsedBytes,
        long storageMemoryTotalBytes,
        int activeTasks,
        long completedTasks,
        long failedTasks,
        long taskTimeMs,
        long gcTimeMs,
        long shuffleLocalBytesRead,
        long shuffleRemoteBytesRead,
        long shuffleWriteBytes,
        long peakJvmHeapBytes,
        long peakExecutionMemoryBytes,
        long peakStorageMemoryBytes,
        long peakUnifiedMemoryBytes) {}
