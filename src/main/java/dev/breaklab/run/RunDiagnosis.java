package dev.breaklab.run;

/**
 * Adds what can be derived from a snapshot (findings while the run is live, the stage-count
 * check) before it is published. Called by the publisher, never on the listener thread.
 */
@FunctionalInterface
public interface RunDiagnosis {

    RunDiagnosis NONE = snapshot -> snapshot;

    RunSnapshot diagnose(RunSnapshot snapshot);
}
