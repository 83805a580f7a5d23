package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LabListener;
import dev.breaklab.telemetry.LiveExecutors;
import dev.breaklab.telemetry.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;
import org.springframework.context.annotation.Scope;

/**
 * The one SparkSession of the lab's JVM: its settings, and its wiring into the lab. It is created
 * at start-up beside the Spring context ({@link SparkStarter}, {@link EmbeddedSpark}) and stopped
 * at shutdown.
 */
@Configuration(proxyBeanMethods = false)
class SparkConfiguration {

    /** Executors a dynamically allocated application keeps when idle ({@code lab.engine.cluster.dynamic-allocation}). */
    static final int DYNAMIC_MIN_EXECUTORS = 1;

    /** Only when {@link SparkStarter} did not run (a context not built by SpringApplication). */
    @Bean
    @ConditionalOnMissingBean
    EmbeddedSpark embeddedSpark(LabProperties properties, org.springframework.core.env.Environment environment) {
        return EmbeddedSpark.start(properties, servingRoom(environment));
    }

    /** The lab's listener; the engine is ready once it is on Spark's bus. */
    @Bean
    LabListener labListener(EmbeddedSpark spark, RunStore store, LiveExecutors executors) {
        LabListener listener = new LabListener(store, executors);
        spark.listenWith(listener);
        return listener;
    }

    /**
     * The session itself, for whoever needs it directly (tests). Lazy, and it waits only for the
     * session to exist, not for the lab's listener to be on its bus (that listener is a bean too, and
     * a bean waiting for it could wait for ever): a bean that injects it delays the lab's start-up
     * until Spark exists, so the lab's own beans take {@link EmbeddedSpark} instead. A prototype: an
     * engine switch replaces the session, so whoever asks for it at use (an {@code ObjectProvider},
     * the playground) gets the current one.
     */
    @Bean(destroyMethod = "")
    @Lazy
    @Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
    SparkSession sparkSession(EmbeddedSpark spark) {
        return spark.created().join();
    }

    /** Whether the lab serves a room ({@code lab.workshops.enabled}): it changes the Spark UI's rules. */
    static boolean servingRoom(org.springframework.core.env.Environment environment) {
        return environment.getProperty("lab.workshops.enabled", Boolean.class, false);
    }

    /** Refuses, before anything starts, a mode that does not exist or a remote without a cluster. */
    static EngineMode checkMode(LabProperties properties) {
        EngineMode mode = EngineMode.of(properties.engine().mode());
        String master = properties.engine().master();
        if (mode == EngineMode.REMOTE && !master.startsWith("spark://")) {
            throw new IllegalStateException(
                    "lab.engine.mode=remote needs lab.engine.master=spark://host:port (a standalone master), not "
                            + master);
        }
        return mode;
    }

    /**
     * The master URL of {@code mode}. An engine switched to embedded from a lab started with a
     * {@code spark://} master runs {@code local[2]}, the embedded default.
     */
    static String master(EngineMode mode, LabProperties.Engine engine, LocalCluster cluster) {
        return switch (mode) {
            case LOCAL_CLUSTER -> cluster.masterUrl();
            case REMOTE -> engine.master();
            case EMBEDDED -> engine.master().startsWith("local") ? engine.master() : "local[2]";
        };
    }

    /**
     * The session: {@code local[N]} when embedded; in the cluster modes the driver of an application
     * on {@code master} whose executors have the lab's classes ({@code spark.jars}) and the cluster
     * settings.
     */
    static SparkSession createSession(
            LabProperties properties, EngineMode mode, LocalCluster cluster, boolean servingRoom) {
        LabProperties.Engine engine = properties.engine();
        Path data = properties.dataDir().toAbsolutePath();
        Path local;
        Path warehouse;
        Path eventLogs;
        try {
            local = Files.createDirectories(data.resolve("spark-local"));
            warehouse = Files.createDirectories(data.resolve("warehouse"));
            // Spark's own event logs (Spark 4.2 defaults: zstd, rolling at 128 MB), for the History Server.
            eventLogs = Files.createDirectories(data.resolve("event-logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SparkSession.Builder builder = SparkSession.builder();
        if (mode.clustered()) {
            LabProperties.Cluster executors = engine.cluster();
            builder.config("spark.executor.memory", executors.executorMemory())
                    .config("spark.executor.cores", executors.coresPerWorker())
                    .config("spark.driver.port", engine.driverPort())
                    .config("spark.driver.blockManager.port", engine.blockManagerPort());
            Optional<Path> appJar = cluster != null ? cluster.appJar() : ClusterJars.appClasses(data.resolve("app"));
            appJar.ifPresent(jar -> builder.config("spark.jars", jar.toUri().toString()));
            if (executors.shuffleService()) {
                // Fixed for the application's life: executors register their shuffle files with the
                // service, and the driver keeps map output of a lost executor (its files are still served).
                builder.config("spark.shuffle.service.enabled", true);
                if (cluster != null) {
                    cluster.shuffleServicePort().ifPresent(port -> builder.config("spark.shuffle.service.port", port));
                }
            }
            if (executors.dynamicAllocation()) {
                // Also fixed for the application's life. Without an external shuffle service Spark needs
                // shuffle tracking (on by default in 4.2): an executor holding shuffle files of a shuffle
                // still referenced is kept (shuffleTracking.timeout: no limit by default). It starts with
                // every worker's executor (initialExecutors), so the engine's readiness sees them; one
                // always stays (minExecutors), so a run's first job never waits for a new executor process.
                // The idle timeout is 3 s instead of Spark's 60 s so a lesson shows a release within seconds.
                builder.config("spark.dynamicAllocation.enabled", true)
                        .config("spark.dynamicAllocation.shuffleTracking.enabled", true)
                        .config("spark.dynamicAllocation.minExecutors", DYNAMIC_MIN_EXECUTORS)
                        .config("spark.dynamicAllocation.initialExecutors", executors.workers())
                        .config("spark.dynamicAllocation.maxExecutors", executors.workers())
                        .config("spark.dynamicAllocation.executorIdleTimeout", "3s")
                        .config("spark.dynamicAllocation.schedulerBacklogTimeout", "1s");
            }
        }
        if (mode == EngineMode.LOCAL_CLUSTER) {
            LabProperties.Cluster executors = engine.cluster();
            // Jobs wait until every worker's executor is there (the lab also waits before it is ready).
            builder.config("spark.cores.max", executors.workers() * executors.coresPerWorker())
                    .config("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                    .config("spark.executor.extraJavaOptions", cluster.executorJavaOptions())
                    // Every executor of the local cluster is on 127.0.0.1, and Spark reads the shuffle
                    // files of another executor on the same host straight from disk, counted as local
                    // bytes: nothing would cross the network. The lab's executors stand for separate
                    // machines, so they fetch each other's blocks through the block transfer service.
                    .config("spark.shuffle.readHostLocalDisk", false);
        }
        return builder.appName("Spark Break Lab")
                .master(master(mode, engine, cluster))
                .config("spark.driver.host", engine.driverHost())
                .config("spark.driver.bindAddress", engine.bindAddress())
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
                .config("spark.eventLog.enabled", true)
                .config("spark.eventLog.dir", eventLogs.toUri().toString())
                // Run sessions differ only in SQL settings; keep the shared ones predictable.
                .config("spark.sql.session.timeZone", "UTC")
                // Spark's status store (the Spark UI's data, on the heap) keeps 1,000 jobs, 1,000
                // stages and 1,000 SQL executions by default, with their plans and metrics: it grows
                // for hundreds of lab runs before it levels off. A lab run has about 3 jobs, 6 stages
                // and 3 SQL executions, and the lab keeps lab.runs.retained (20) runs live: these limits
                // keep Spark's view of those runs and more (~80), and the heap flat sooner.
                .config("spark.ui.retainedJobs", 250)
                .config("spark.ui.retainedStages", 500)
                .config("spark.sql.ui.retainedExecutions", 250)
                // Tasks kept per stage (default 100,000): a stage page in the Spark UI lists the
                // last 10,000; the lab's own task distributions see every task regardless.
                .config("spark.ui.retainedTasks", 10_000)
                // Spark's SQL state would install Hadoop's URL handler factory, the JVM's only one,
                // which the embedded Tomcat installs too: whichever comes second fails, and Spark's
                // SQL state is created on its own thread while the web server starts. The lab needs
                // no hdfs:// URLs (ADD JAR is refused by the playground's sandbox).
                .config("spark.sql.defaultUrlStreamHandlerFactory.enabled", false)
                .getOrCreate();
    }
}
