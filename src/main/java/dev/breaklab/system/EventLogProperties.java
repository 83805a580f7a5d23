package dev.breaklab.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Spark's event logs of the lab's own engine, written under {@code <lab.data-dir>/event-logs}, under
 * {@code lab.event-logs.*}.
 *
 * @param retainedApplications event logs of earlier lab sessions (one Spark application each) kept
 *     at start-up, newest first; older ones are deleted
 */
@ConfigurationProperties("lab.event-logs")
public record EventLogProperties(@DefaultValue("20") int retainedApplications) {}
