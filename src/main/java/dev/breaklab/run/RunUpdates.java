package dev.breaklab.run;

/** Receives every published snapshot (e.g. the STOMP publisher). Called off the listener thread. */
public interface RunUpdates {

    void published(RunSnapshot snapshot, boolean statusChanged);
}
