package dev.breaklab.run;

import java.util.List;
import java.util.Optional;

/**
 * The read-only port to the runs the lab remembers: web, insight and (later) workshops see runs
 * only through it, as immutable snapshots, never the live state telemetry updates.
 */
public interface RunSnapshots {

    /** The run's latest published snapshot. */
    Optional<RunSnapshot> find(String id);

    /** Latest snapshots of every retained run, newest first. */
    List<RunSnapshot> newestFirst();
}
