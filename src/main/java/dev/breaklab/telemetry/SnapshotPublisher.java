package dev.breaklab.telemetry;

import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunUpdates;
import dev.breaklab.telemetry.LiveRun.Published;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Turns live state into snapshots at most every 100 ms per run (Spark's own UI throttles the same
 * way), and at once on a status change. Runs on its own scheduler thread, never the listener's.
 */
@Component
public class SnapshotPublisher {

    private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

    private final RunStore store;
    private final List<RunUpdates> sinks;
    private final RunDiagnosis diagnosis;

    public SnapshotPublisher(RunStore store, List<RunUpdates> sinks) {
        this(store, sinks, RunDiagnosis.NONE);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public SnapshotPublisher(
            RunStore store,
            List<RunUpdates> sinks,
            org.springframework.beans.factory.ObjectProvider<RunDiagnosis> diagnosis) {
        this(store, sinks, diagnosis.getIfAvailable(() -> RunDiagnosis.NONE));
    }

    SnapshotPublisher(RunStore store, List<RunUpdates> sinks, RunDiagnosis diagnosis) {
        this.store = store;
        this.sinks = sinks;
        this.diagnosis = diagnosis;
    }

    @Scheduled(fixedDelay = 100)
    void tick() {
        for (LiveRun run : store.all()) {
            publish(run);
        }
    }

    /** Publishes the run now if it changed; the engine calls this on every status change. */
    public RunSnapshot publish(LiveRun run) {
        synchronized (run.publishLock) {
            Published published = run.publishIfDirty(diagnosis);
            if (published == null) {
                return run.snapshot();
            }
            for (RunUpdates sink : sinks) {
                try {
                    sink.published(published.snapshot(), published.statusChanged());
                } catch (RuntimeException e) {
                    log.warn("Publishing run {} failed: {}", run.id(), e.toString());
                }
            }
            return published.snapshot();
        }
    }
}
