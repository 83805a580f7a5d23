package dev.breaklab.run;

import java.util.Optional;

/** Port: who each run belongs to, recorded when it is submitted and kept as long as the run is. */
public interface RunOwners {

    void record(String runId, RunOwner owner);

    /** The owner, or empty for a run submitted before owners were recorded (or not known at all). */
    Optional<RunOwner> find(String runId);
}
