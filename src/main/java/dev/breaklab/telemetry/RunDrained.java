package dev.breaklab.telemetry;

import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * A marker the engine posts on Spark's listener bus after a run's last action returns. The bus is
 * FIFO, so when the marker reaches the lab's listener every event of the run has been applied.
 */
public final class RunDrained implements SparkListenerEvent {

    private final String runId;

    public RunDrained(String runId) {
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }

    @Override
    public boolean logEvent() {
        return false;
    }
}
