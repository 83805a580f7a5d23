package dev.breaklab.engine;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component "spark": the context is alive, and how busy the queue is.
 * DOWN with {@code state: starting} while Spark starts beside the lab.
 */
@Component("spark")
class SparkHealthIndicator implements HealthIndicator {

    private final SparkEngine engine;

    SparkHealthIndicator(SparkEngine engine) {
        this.engine = engine;
    }

    @Override
    public Health health() {
        EngineInfo info = engine.info();
        Health.Builder builder = info.alive() ? Health.up() : Health.down();
        builder.withDetail("state", info.state())
                .withDetail("master", info.master())
                .withDetail("sparkVersion", info.sparkVersion())
                .withDetail("queuedRuns", info.queuedRuns())
                .withDetail("runningRuns", info.runningRuns());
        if (info.error() != null) {
            builder.withDetail("error", info.error());
        }
        return builder.build();
    }
}
