package dev.breaklab.run;

import java.util.List;
import java.util.Optional;

/**
 * The read-only port to the runs the lab remembers: web, insight and (later) workshops see runs
 * only through it, as immutable snapshots, never the live state telemetry updates. Finished runs
 * are also read back from the run history once memory no longer holds them.
 */
public interface RunSnapshots {

    /** The run's latest published snapshot (or its stored one, once it left memory). */
    Optional<RunSnapshot> find(String id);

    /** Latest snapshots of every run held in memory (queued, running, recently finished), newest first. */
    List<RunSnapshot> newestFirst();

    /**
     * One page of the runs that match {@code filter}, newest first: page 0 starts with the runs still
     * queued or running. This default pages over the runs in memory only.
     */
    default RunPage page(RunFilter filter, int page, int size) {
        List<RunSummary> matching = newestFirst().stream()
                .map(RunSummary::of)
                .filter(filter::matches)
                .sorted(RunFilter.NEWEST_FIRST)
                .toList();
        long from = (long) page * size;
        if (from >= matching.size()) {
            return new RunPage(List.of(), false);
        }
        int to = (int) Math.min(matching.size(), from + size);
        return new RunPage(matching.subList((int) from, to), to < matching.size());
    }
}
