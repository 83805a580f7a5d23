package dev.breaklab.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How long creating the SparkSession took at start-up: the lab's largest start-up cost. */
class SessionTiming {

    private static final Logger log = LoggerFactory.getLogger(SessionTiming.class);

    private volatile long sessionStartMs = -1;

    void record(long millis) {
        sessionStartMs = millis;
        log.info("SparkSession created in {} ms", millis);
    }

    long sessionStartMs() {
        return sessionStartMs;
    }
}
