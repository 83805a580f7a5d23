package dev.breaklab.history;

import dev.breaklab.run.LiveRuns;
import dev.breaklab.run.RunFilter;
import dev.breaklab.run.RunPage;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.annotation.Primary;
import org.springframework.stereotype.Component;

/**
 * Every run the lab remembers, as the one {@link RunSnapshots} readers get: a run in memory first
 * (queued, running, recently finished), then one whose write is still queued, then the history.
 * Lists put the runs the history does not hold yet (still going, or being written) on page 0 and
 * page the stored ones; a run is listed once.
 */
@Primary
@Component
public class RememberedRuns implements RunSnapshots {

    private final LiveRuns live;
    private final RunHistoryWriter writer;
    private final RunHistory history;

    public RememberedRuns(LiveRuns live, RunHistoryWriter writer, RunHistory history) {
        this.live = live;
        this.writer = writer;
        this.history = history;
    }

    @Override
    public Optional<RunSnapshot> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        return live.find(id).or(() -> writer.pending(id)).or(() -> history.find(id));
    }

    /** The runs in memory. */
    @Override
    public List<RunSnapshot> newestFirst() {
        return live.newestFirst();
    }

    @Override
    public RunPage page(RunFilter filter, int page, int size) {
        // Read memory before the database: a run whose write commits in between shows up in both
        // (and is listed once), never in neither.
        Map<String, RunSummary> unstored = unstored();
        RunPage stored = history.page(filter, page, size);
        List<RunSummary> runs = new ArrayList<>();
        if (page == 0) {
            unstored.values().stream().filter(filter::matches).forEach(runs::add);
        }
        stored.runs().stream().filter(r -> !unstored.containsKey(r.id())).forEach(runs::add);
        runs.sort(RunFilter.NEWEST_FIRST);
        return new RunPage(runs, stored.hasNext());
    }

    /** Runs the history does not hold (yet): still going, finished but not written, or being written. */
    private Map<String, RunSummary> unstored() {
        Map<String, RunSummary> out = new LinkedHashMap<>();
        Map<String, RunSnapshot> pending = writer.pending();
        for (RunSnapshot run : live.newestFirst()) {
            if (!run.status().finished() || pending.containsKey(run.id()) || !writer.saved(run.id())) {
                out.put(run.id(), RunSummary.of(run));
            }
        }
        pending.forEach((id, run) -> out.putIfAbsent(id, RunSummary.of(run)));
        return out;
    }
}
