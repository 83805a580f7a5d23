package dev.breaklab.telemetry;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;

/**
 * Tells when Spark's event log has caught up. Spark writes its event log from its own queue of the
 * listener bus ("eventLog"), apart from the lab's listener; this listener sits in that queue after
 * Spark's {@code EventLoggingListener}, so when a marker posted now reaches it, every event posted
 * before the marker has been handed to the log writer (and job, stage and SQL events flushed).
 */
public final class EventLogBarrier extends SparkListener {

    private final SparkContext sc;

    private EventLogBarrier(SparkContext sc) {
        this.sc = sc;
    }

    /** Registers the barrier in the event-log queue; call once, after the context started. */
    public static EventLogBarrier install(SparkContext sc) {
        EventLogBarrier barrier = new EventLogBarrier(sc);
        sc.listenerBus().addToEventLogQueue(barrier);
        return barrier;
    }

    /** Posts a marker and waits (bounded) until the event-log queue has passed it. */
    public boolean await(Duration timeout) throws InterruptedException {
        Marker marker = new Marker();
        sc.listenerBus().post(marker);
        return marker.passed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof Marker marker) {
            marker.passed.countDown();
        }
    }

    /** Never written to the log itself. */
    static final class Marker implements SparkListenerEvent {
        final CountDownLatch passed = new CountDownLatch(1);

        @Override
        public boolean logEvent() {
            return false;
        }
    }
}
