package dev.breaklab.engine;

import dev.breaklab.catalog.ExperimentRun;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.telemetry.LiveRun;
import dev.breaklab.telemetry.RunSnapshot.LogicalPlans;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;

/** The engine's side of {@link ExperimentRun}: one per run, used on the run's worker thread only. */
final class RunContext implements ExperimentRun {

    private static final int MAX_PLAN_TEXT = 20_000;

    private final SparkSession session;
    private final String variant;
    private final KnobValues knobs;
    private final Path workDir;
    private final LiveRun live;

    RunContext(SparkSession session, String variant, KnobValues knobs, Path workDir, LiveRun live) {
        this.session = session;
        this.variant = variant;
        this.knobs = knobs;
        this.workDir = workDir;
        this.live = live;
    }

    @Override
    public SparkSession spark() {
        return session;
    }

    @Override
    public String variant() {
        return variant;
    }

    @Override
    public KnobValues knobs() {
        return knobs;
    }

    @Override
    public Path workDir() {
        try {
            return Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void execute(Dataset<?> query) {
        capture(query);
        query.write().format("noop").mode("overwrite").save();
    }

    @Override
    public List<Row> collect(Dataset<?> query) {
        capture(query);
        return query.toDF().collectAsList();
    }

    @Override
    public void capture(Dataset<?> query) {
        QueryExecution qe = query.queryExecution();
        live.logicalPlans(new LogicalPlans(
                clip(qe.logical().toString()),
                clip(qe.analyzed().toString()),
                clip(qe.optimizedPlan().toString())));
    }

    private static String clip(String text) {
        return text.length() <= MAX_PLAN_TEXT ? text : text.substring(0, MAX_PLAN_TEXT) + "\n... (truncated)";
    }
}
