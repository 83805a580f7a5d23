package dev.breaklab.system;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

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
     * @param mode engine mode: {@code embedded} ({@code local[N]} in the lab's JVM),
     *     {@code local-cluster} (a standalone Master and Workers the lab starts as child processes) or
     *     {@code remote} (an existing standalone cluster at {@code master})
     * @param master Spark master URL: {@code local[N]} when embedded, {@code spark://host:7077} when
     *     remote; ignored by {@code local-cluster}, which starts its own master
     * @param driverHost address the driver advertises to executors (and binds to, unless
     *     {@code driverBindAddress} is set)
     * @param uiEnabled whether the real Spark UI runs beside the lab
     * @param uiPort port of the Spark UI (0 picks a free port)
     * @param maxResultSize guard on results collected to the driver; turns "collect something
     *     huge" into a clean Spark error instead of an OutOfMemoryError in the lab
     * @param driverBindAddress address the driver listens on, when it differs from the one it
     *     advertises (in a container: 0.0.0.0); empty means {@code driverHost}
     * @param driverPort the driver's RPC port (0 picks a free one); fix it when executors must reach
     *     the driver through a firewall or a container's published ports
     * @param blockManagerPort the driver's block manager port (0 picks a free one)
     * @param cluster the executors of the cluster modes
     */
    public record Engine(
            @DefaultValue("embedded") String mode,
            @DefaultValue("local[2]") String master,
            @DefaultValue("127.0.0.1") String driverHost,
            @DefaultValue("true") boolean uiEnabled,
            @DefaultValue("4040") int uiPort,
            @DefaultValue("128m") String maxResultSize,
            @DefaultValue("") String driverBindAddress,
            @DefaultValue("0") int driverPort,
            @DefaultValue("0") int blockManagerPort,
            @DefaultValue Cluster cluster) {

        @ConstructorBinding
        public Engine {}

        /** The embedded engine's settings; the cluster settings keep their defaults. */
        public Engine(
                String mode, String master, String driverHost, boolean uiEnabled, int uiPort, String maxResultSize) {
            this(mode, master, driverHost, uiEnabled, uiPort, maxResultSize, "", 0, 0, Cluster.DEFAULTS);
        }

        public String bindAddress() {
            return driverBindAddress.isBlank() ? driverHost : driverBindAddress;
        }
    }

    /**
     * Executors in the cluster modes, and the cluster {@code local-cluster} starts.
     *
     * @param workers workers the local cluster starts, one executor each
     * @param coresPerWorker cores of each worker (and of each executor)
     * @param executorMemory heap of each executor; small, so memory lessons are real (Spark needs at
     *     least 450m: 1.5 times its 300m reserved memory)
     * @param daemonMemory heap of the local master and each worker process
     * @param readyTimeout how long start-up waits for the executors to register
     * @param shuffleService whether the application uses an external shuffle service
     *     ({@code spark.shuffle.service.enabled}): shuffle files outlive the executor that wrote them.
     *     A local cluster then runs one in its first worker (Spark's Worker hosts it in-process), which
     *     serves every executor of the host; on a remote cluster the workers must run it themselves
     * @param dynamicAllocation whether the application uses dynamic allocation
     *     ({@code spark.dynamicAllocation.enabled}, with shuffle tracking): it starts with one executor per
     *     worker, releases an executor idle for 3 s (Spark's default: 60 s) down to one, and asks for more
     *     (up to one per worker) once tasks have waited 1 s
     */
    public record Cluster(
            @DefaultValue("2") int workers,
            @DefaultValue("1") int coresPerWorker,
            @DefaultValue("512m") String executorMemory,
            @DefaultValue("160m") String daemonMemory,
            @DefaultValue("120s") Duration readyTimeout,
            @DefaultValue("false") boolean shuffleService,
            @DefaultValue("false") boolean dynamicAllocation) {

        /** Bound from no properties at all: the {@code @DefaultValue}s above are the one place they are written. */
        static final Cluster DEFAULTS =
                new Binder(new MapConfigurationPropertySource()).bindOrCreate("lab.engine.cluster", Cluster.class);
    }

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
