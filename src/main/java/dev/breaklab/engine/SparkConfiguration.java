package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import dev.breaklab.telemetry.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one SparkSession of the lab's JVM, created at start-up and stopped at shutdown. */
@Configuration(proxyBeanMethods = false)
class SparkConfiguration {

    @Bean
    SessionTiming sessionTiming() {
        return new SessionTiming();
    }

    @Bean(destroyMethod = "stop")
    SparkSession sparkSession(LabProperties properties, RunStore store, SessionTiming timing) throws IOException {
        LabProperties.Engine engine = properties.engine();
        if (!"embedded".equals(engine.mode())) {
            throw new IllegalStateException("lab.engine.mode=" + engine.mode() + " is not available yet; use embedded");
        }
        Path data = properties.dataDir().toAbsolutePath();
        Path local = Files.createDirectories(data.resolve("spark-local"));
        Path warehouse = Files.createDirectories(data.resolve("warehouse"));
        // Spark's own event logs (Spark 4.2 defaults: zstd, rolling at 128 MB), for the History Server.
        Path eventLogs = Files.createDirectories(data.resolve("event-logs"));
        long start = System.nanoTime();
        SparkSession spark = SparkSession.builder()
                .appName("Spark Break Lab")
                .master(engine.master())
                .config("spark.driver.host", engine.driverHost())
                .config("spark.driver.bindAddress", engine.driverHost())
                .config("spark.local.dir", local.toString())
                .config("spark.sql.warehouse.dir", warehouse.toString())
                .config("spark.ui.enabled", engine.uiEnabled())
                .config("spark.ui.port", engine.uiPort())
                .config("spark.ui.showConsoleProgress", false)
                .config("spark.driver.maxResultSize", engine.maxResultSize())
                .config("spark.eventLog.enabled", true)
                .config("spark.eventLog.dir", eventLogs.toUri().toString())
                // Run sessions differ only in SQL settings; keep the shared ones predictable.
                .config("spark.sql.session.timeZone", "UTC")
                .getOrCreate();
        // The status queue is where Spark's own AppStatusListener and SQLAppStatusListener live:
        // when the lab's drain marker arrives there, Spark's status store is up to date as well.
        spark.sparkContext().listenerBus().addToStatusQueue(new LabListener(store));
        timing.record((System.nanoTime() - start) / 1_000_000);
        return spark;
    }
}
