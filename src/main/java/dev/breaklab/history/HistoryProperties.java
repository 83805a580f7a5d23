package dev.breaklab.history;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The run history, under {@code lab.history.*}. The database itself is {@code spring.datasource.*}
 * (an H2 file under {@code lab.data-dir} unless configured).
 *
 * @param retainedRuns finished runs kept, newest first; older ones are deleted (0: no limit)
 * @param maxAge runs submitted longer ago than this are deleted (0: no limit)
 * @param retentionInterval how often retention runs (it also runs at start-up)
 */
@ConfigurationProperties("lab.history")
public record HistoryProperties(
        @DefaultValue("10000") int retainedRuns,
        @DefaultValue("90d") Duration maxAge,
        @DefaultValue("1h") Duration retentionInterval) {}
