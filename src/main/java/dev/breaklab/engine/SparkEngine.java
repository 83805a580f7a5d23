package dev.breaklab.engine;

import dev.breaklab.run.EngineExecutor;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.LiveExecutors;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** What the engine is and whether it is alive (or still starting). */
@Component
public class SparkEngine {

    private final EmbeddedSpark spark;
    private final LabProperties properties;
    private final RunEngine runs;
    private final LiveExecutors executors;

    @Autowired
    SparkEngine(EmbeddedSpark spark, LabProperties properties, RunEngine runs, LiveExecutors executors) {
        this.spark = spark;
        this.properties = properties;
        this.runs = runs;
        this.executors = executors;
    }

    SparkEngine(EmbeddedSpark spark, LabProperties properties, RunEngine runs) {
        this(spark, properties, runs, new LiveExecutors());
    }

    public EngineInfo info() {
        EmbeddedSpark.State state = spark.state();
        SparkSession session = spark.ifReady().orElse(null);
        if (session == null) {
            return new EngineInfo(
                    spark.mode().json(),
                    properties.engine().master(),
                    org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                    scala.util.Properties.versionNumberString(),
                    Runtime.version().toString(),
                    0,
                    0,
                    List.of(),
                    null,
                    null,
                    false,
                    runs.queuedRuns(),
                    runs.runningRuns(),
                    spark.sessionStartMs(),
                    state.json(),
                    spark.failure());
        }
        SparkContext sc = session.sparkContext();
        boolean alive = state == EmbeddedSpark.State.RUNNING;
        List<EngineExecutor> seen = executors.snapshot();
        int active = (int) seen.stream()
                .filter(e -> e.active() && !e.executorId().equals("driver"))
                .count();
        return new EngineInfo(
                spark.mode().json(),
                sc.master(),
                session.version(),
                scala.util.Properties.versionNumberString(),
                Runtime.version().toString(),
                alive ? sc.defaultParallelism() : 0,
                alive ? active : 0,
                seen,
                sc.applicationId(),
                sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() : null,
                alive,
                runs.queuedRuns(),
                runs.runningRuns(),
                spark.sessionStartMs(),
                state.json(),
                null);
    }
}
