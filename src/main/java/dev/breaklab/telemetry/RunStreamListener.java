package dev.breaklab.telemetry;

import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.StateOperatorSnapshot;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * Feeds one run's streaming progress into its live state. Registered on the run's own session
 * ({@code streams().addListener}): every session has its own {@code StreamingQueryManager} whose
 * listener bus reports only the queries started from that session, so everything this listener
 * hears belongs to its run, by construction.
 *
 * <p>Progress and termination arrive on Spark's "streams" listener queue; start is delivered on the
 * stream's own thread. Each callback does a fixed amount of work per state operator and no I/O.
 */
public final class RunStreamListener extends StreamingQueryListener {

    private final LiveRun run;

    public RunStreamListener(LiveRun run) {
        this.run = run;
    }

    @Override
    public void onQueryStarted(QueryStartedEvent event) {
        run.streamQueryStarted(event.id().toString(), event.runId().toString(), event.name(), parse(event.timestamp()));
    }

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
        run.streamBatch(batchOf(event.progress()));
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {
        String exception = null;
        if (event.exception().isDefined()) {
            String cls = event.errorClassOnException().isDefined()
                    ? event.errorClassOnException().get() + ": "
                    : "";
            String message = event.exception().get();
            int cut = message.indexOf("\n\tat ");
            exception = cls + (cut > 0 ? message.substring(0, cut) : message);
            if (exception.length() > 2_000) {
                exception = exception.substring(0, 2_000) + " ...";
            }
        }
        run.streamQueryTerminated(event.runId().toString(), Instant.now(), exception);
    }

    static BatchSnapshot batchOf(StreamingQueryProgress p) {
        List<StateOperatorSnapshot> operators = new ArrayList<>(p.stateOperators().length);
        for (StateOperatorProgress op : p.stateOperators()) {
            operators.add(new StateOperatorSnapshot(
                    op.operatorName(),
                    op.numRowsTotal(),
                    op.numRowsUpdated(),
                    op.numRowsRemoved(),
                    op.memoryUsedBytes(),
                    op.numRowsDroppedByWatermark(),
                    op.numShufflePartitions(),
                    op.numStateStoreInstances()));
        }
        Map<String, Long> durations = new TreeMap<>(p.durationMs());
        String watermark = p.eventTime() == null ? null : p.eventTime().get("watermark");
        return new BatchSnapshot(
                p.id().toString(),
                p.runId().toString(),
                p.name(),
                p.batchId(),
                parse(p.timestamp()),
                p.numInputRows(),
                finite(p.inputRowsPerSecond()),
                finite(p.processedRowsPerSecond()),
                p.batchDuration(),
                Map.copyOf(durations),
                watermark,
                List.copyOf(operators),
                p.sink() == null ? -1 : p.sink().numOutputRows(),
                List.of(),
                List.of());
    }

    /** JSON has no NaN or infinity; Spark reports NaN for the rate of a batch with no elapsed time. */
    private static double finite(double value) {
        return Double.isFinite(value) ? value : 0;
    }

    private static Instant parse(String timestamp) {
        try {
            return timestamp == null ? Instant.now() : Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return Instant.now();
        }
    }
}
