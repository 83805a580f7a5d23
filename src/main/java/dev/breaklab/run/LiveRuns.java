package dev.breaklab.run;

/**
 * The runs held in memory: queued, running and the most recently finished ones (telemetry's store).
 * Only the run history reads it directly, to put the live runs before the stored ones; everything
 * else asks {@link RunSnapshots}, which finds a run wherever it is.
 */
public interface LiveRuns extends RunSnapshots {}
