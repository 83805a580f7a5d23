package dev.breaklab.system;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything a user of the lab can tune, under {@code lab.*}.
 *
 * @param dataDir where Spark's scratch space, experiment files and checkpoints live
 * @param engine the embedded Spark engine
 * @param runs the run queue
 */
@ConfigurationProperties("lab")
public record LabProperties(
        @DefaultValue("data") Path dataDir,
        @DefaultValue Engine engine,
        @DefaultValue Runs runs) {

    /**
     * @param mode engine mode; only {@code embedded} exists so far
     * @param master Spark master URL of the embedded engine
     * @param driverHost address the driver binds to and advertises
     * @param uiEnabled whether the real Spark UI runs beside the lab
     * @param uiPort port of the Spark UI (0 picks a free port)
     * @param maxResultSize guard on results collected to the driver; turns "collect something
     *     huge" into a clean Spark error instead of an OutOfMemoryError in the lab
     */
    public record Engine(
            @DefaultValue("embedded") String mode,
            @DefaultValue("local[2]") String master,
            @DefaultValue("127.0.0.1") String driverHost,
            @DefaultValue("true") boolean uiEnabled,
            @DefaultValue("4040") int uiPort,
            @DefaultValue("128m") String maxResultSize) {}

    /**
     * @param concurrency runs executing at once
     * @param queueCapacity runs waiting beyond those executing; more are refused with 429
     * @param timeout default per-run time limit
     * @param maxTimeout the longest time limit a run may ask for
     * @param retained finished runs kept in memory (oldest evicted first); the run history keeps
     *     them all, so this only bounds memory
     */
    public record Runs(
            @DefaultValue("1") int concurrency,
            @DefaultValue("8") int queueCapacity,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("600s") Duration maxTimeout,
            @DefaultValue("20") int retained) {}
}
