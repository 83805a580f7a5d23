package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** What the engine is and whether it is alive (or still starting). */
@Component
public class SparkEngine {

    private final EmbeddedSpark spark;
    private final LabProperties properties;
    private final RunEngine runs;

    SparkEngine(EmbeddedSpark spark, LabProperties properties, RunEngine runs) {
        this.spark = spark;
        this.properties = properties;
        this.runs = runs;
    }

    public EngineInfo info() {
        EmbeddedSpark.State state = spark.state();
        SparkSession session = spark.ifReady().orElse(null);
        if (session == null) {
            return new EngineInfo(
                    properties.engine().mode(),
                    properties.engine().master(),
                    org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                    scala.util.Properties.versionNumberString(),
                    Runtime.version().toString(),
                    0,
                    0,
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
        return new EngineInfo(
                properties.engine().mode(),
                sc.master(),
                session.version(),
                scala.util.Properties.versionNumberString(),
                Runtime.version().toString(),
                alive ? sc.defaultParallelism() : 0,
                alive ? sc.getExecutorMemoryStatus().size() : 0,
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
