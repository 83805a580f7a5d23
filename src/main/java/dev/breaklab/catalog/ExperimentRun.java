package dev.breaklab.catalog;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;

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

    // ---- Structured Streaming ----

    /**
     * Starts a streaming query that belongs to this run: its progress feeds the run's batches, and it
     * is stopped when the run ends, is cancelled or times out, so no query outlives its run. Refuses
     * to start once the run is stopping.
     */
    StreamingQuery start(DataStreamWriter<?> writer);

    /**
     * A checkpoint directory for the named query, under {@link #workDir()}: it lives exactly as long
     * as the run. The same name gives the same directory (a restart from the checkpoint).
     */
    Path checkpoint(String name);

    /**
     * Records a figure the experiment measured with Spark itself (rows read back from a sink, entries
     * of a checkpoint's logs) so evidence can check it; it appears in the snapshot's measurements.
     */
    void measure(String name, long value);

    /** Whether the run was cancelled or timed out: bounded streaming loops end early when it is. */
    boolean stopping();
}
