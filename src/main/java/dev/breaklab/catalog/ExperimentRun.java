package dev.breaklab.catalog;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** What a run hands an experiment: its own session, its resolved knobs and a place for files. */
public interface ExperimentRun {

    /** A session of its own (created with {@code newSession()}), the variant's settings applied. */
    SparkSession spark();

    String variant();

    KnobValues knobs();

    /** A directory under the lab's data directory for this run only, removed when the run ends. */
    Path workDir();

    /**
     * Runs the whole plan without collecting rows (Spark's {@code noop} sink), after recording the
     * logical plans: the plan the learner sees is exactly the query's.
     */
    void execute(Dataset<?> query);

    /** Collects the rows to the driver (subject to the result-size guard), recording the plans. */
    List<Row> collect(Dataset<?> query);

    /** Records the query's logical plans (parsed, analyzed, optimized) for the run view. */
    void capture(Dataset<?> query);
}
