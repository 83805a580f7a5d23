package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import dev.breaklab.telemetry.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.annotation.Value;
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
    SparkSession sparkSession(
            LabProperties properties,
            RunStore store,
            SessionTiming timing,
            @Value("${lab.workshops.enabled:false}") boolean servingRoom)
            throws IOException {
        LabProperties.Engine engine = properties.engine();
        if (!"embedded".equals(engine.mode())) {
            throw new IllegalStateException("lab.engine.mode=" + engine.mode() + " is not available yet; use embedded");
        }
        Path data = properties.dataDir().toAbsolutePath();
        Path local = Files.createDirectories(data.resolve("spark-local"));
        Path warehouse = Files.createDirectories(data.resolve("warehouse"));
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
                // Serving a room, learners may look at the Spark UI but not kill anyone's jobs in it;
                // otherwise it answers this machine only (README, "Workshops").
                .config("spark.ui.killEnabled", !servingRoom)
                .config("spark.ui.filters", servingRoom ? "" : LoopbackOnlyFilter.class.getName()) // "": none
                .config("spark.driver.maxResultSize", engine.maxResultSize())
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
