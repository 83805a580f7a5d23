package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** What the engine is and whether it is alive. */
@Component
public class SparkEngine {

    private final SparkSession spark;
    private final LabProperties properties;
    private final RunEngine runs;
    private final SessionTiming timing;

    SparkEngine(SparkSession spark, LabProperties properties, RunEngine runs, SessionTiming timing) {
        this.spark = spark;
        this.properties = properties;
        this.runs = runs;
        this.timing = timing;
    }

    public EngineInfo info() {
        SparkContext sc = spark.sparkContext();
        boolean alive = !sc.isStopped();
        return new EngineInfo(
                properties.engine().mode(),
                sc.master(),
                spark.version(),
                scala.util.Properties.versionNumberString(),
                Runtime.version().toString(),
                alive ? sc.defaultParallelism() : 0,
                alive ? sc.getExecutorMemoryStatus().size() : 0,
                sc.applicationId(),
                sc.uiWebUrl().isDefined() ? sc.uiWebUrl().get() : null,
                alive,
                runs.queuedRuns(),
                runs.runningRuns(),
                timing.sessionStartMs());
    }
}
