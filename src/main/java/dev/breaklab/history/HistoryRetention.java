package dev.breaklab.history;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Keeps the history within {@code lab.history.retained-runs} and {@code lab.history.max-age}: at
 * start-up and every {@code lab.history.retention-interval}. The work runs on the history's own
 * thread, after the writes queued before it, never on the shared scheduler that publishes runs.
 */
@Component
public class HistoryRetention {

    private static final Logger log = LoggerFactory.getLogger(HistoryRetention.class);

    private final RunHistory history;
    private final RunHistoryWriter writer;
    private final HistoryProperties properties;

    public HistoryRetention(RunHistory history, RunHistoryWriter writer, HistoryProperties properties) {
        this.history = history;
        this.writer = writer;
        this.properties = properties;
    }

    /** What one pass deleted. */
    public record Deleted(int tooOld, int beyondCount) {}

    @Scheduled(fixedDelayString = "${lab.history.retention-interval:1h}")
    void schedule() {
        writer.run(this::applyLogged);
    }

    private void applyLogged() {
        try {
            Deleted deleted = apply(Instant.now());
            if (deleted.tooOld() + deleted.beyondCount() > 0) {
                log.info(
                        "Run history retention: deleted {} runs older than {} and {} beyond the newest {}",
                        deleted.tooOld(),
                        properties.maxAge(),
                        deleted.beyondCount(),
                        properties.retainedRuns());
            }
        } catch (RuntimeException e) {
            log.warn("Run history retention failed: {}", e.toString());
        }
    }

    /** Deletes runs older than the maximum age, then all but the newest retained ones. */
    public Deleted apply(Instant now) {
        Duration maxAge = properties.maxAge();
        int tooOld = maxAge == null || maxAge.isZero() || maxAge.isNegative()
                ? 0
                : history.deleteSubmittedBefore(now.minus(maxAge));
        int beyond = properties.retainedRuns() > 0 ? history.keepNewest(properties.retainedRuns()) : 0;
        return new Deleted(tooOld, beyond);
    }
}
