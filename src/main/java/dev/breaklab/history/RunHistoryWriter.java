package dev.breaklab.history;

import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunUpdates;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Writes a run to the history once it ends. The publisher hands over every snapshot it builds (on
 * its own thread or the engine's, never Spark's listener thread); a finished one is queued here and
 * written by one background thread, so publishing never waits on the database. A later final
 * snapshot of the same run (the explained one, after the status change) replaces the earlier one:
 * the last one wins, and a run whose snapshots pile up while the database is slow is written once.
 * Until its write commits, the run is readable from {@link #pending}.
 */
@Component
public class RunHistoryWriter implements RunUpdates, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RunHistoryWriter.class);
    private static final int REMEMBERED_SAVES = 4096;

    private final RunHistory history;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "run-history");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, RunSnapshot> pending = new ConcurrentHashMap<>();
    /** Ids whose last final snapshot is stored: memory-held runs the history can answer for. */
    private final Set<String> saved = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_SAVES;
        }
    }));

    public RunHistoryWriter(RunHistory history) {
        this.history = history;
    }

    @Override
    public void published(RunSnapshot snapshot, boolean statusChanged) {
        if (!snapshot.status().finished()) {
            return;
        }
        saved.remove(snapshot.id());
        pending.put(snapshot.id(), snapshot);
        run(() -> write(snapshot.id()));
    }

    /** Runs {@code task} on the history's thread, after the writes queued before it. */
    public void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            log.warn("Run history is shut down; not run: {}", task);
        }
    }

    /** A finished run whose write has not committed yet. */
    public Optional<RunSnapshot> pending(String id) {
        return Optional.ofNullable(pending.get(id));
    }

    public Map<String, RunSnapshot> pending() {
        return Map.copyOf(pending);
    }

    /** Whether the run's last final snapshot is stored (recent runs only: the memory-held ones). */
    public boolean saved(String id) {
        return saved.contains(id);
    }

    private void write(String id) {
        RunSnapshot snapshot = pending.get(id);
        if (snapshot == null) {
            return; // an earlier task already wrote the latest snapshot
        }
        try {
            history.save(snapshot);
            if (pending.remove(id, snapshot)) {
                saved.add(id);
            }
        } catch (RuntimeException e) {
            pending.remove(id, snapshot);
            log.warn("Saving run {} to the history failed: {}", id, e.toString());
        }
    }

    /** Waits until every write queued so far has committed (or failed). */
    public void flush() {
        try {
            executor.submit(() -> {}).get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("run history did not flush", e);
        }
    }

    /** Finishes the queued writes before the database closes (it is destroyed after this bean). */
    @Override
    public void destroy() throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
            log.warn("Run history: {} runs not saved at shutdown", pending.size());
            executor.shutdownNow();
        }
    }
}
