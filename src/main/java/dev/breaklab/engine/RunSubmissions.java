package dev.breaklab.engine;

import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import dev.breaklab.run.RunSnapshot;
import org.springframework.stereotype.Component;

/**
 * Runs started by someone: the engine queues the run and its owner is recorded with it, so the rule
 * that only the owner (or the owner's instructor) may cancel it holds from the moment it exists.
 * The API, an instructor's shared run and a learner's queued run all start runs here.
 */
@Component
public class RunSubmissions {

    private final RunEngine engine;
    private final RunOwners owners;

    public RunSubmissions(RunEngine engine, RunOwners owners) {
        this.engine = engine;
        this.owners = owners;
    }

    /** Queues the run and records {@code owner} as its owner; 429 (nothing recorded) when the queue is full. */
    public RunSnapshot submit(ValidatedRun run, RunOwner owner) {
        RunSnapshot snapshot = engine.submit(run);
        owners.record(snapshot.id(), owner);
        return snapshot;
    }
}
