package dev.breaklab.playground;

import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.ExperimentRun;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One learner's query as an experiment the engine can run: a fresh instance per run, never a bean
 * (every {@link Experiment} bean is part of the catalog). On the run's own session it registers the
 * lab's tables, checks the query once more, and runs the whole plan without collecting rows
 * (Spark's {@code noop} sink, as the catalog's lessons do), so what Spark runs is exactly the plan
 * shown and nothing the query produces reaches the lab's JVM.
 */
final class PlaygroundExperiment implements Experiment {

    /** Spark's local property for the job group (SparkContext.SPARK_JOB_GROUP_ID). */
    private static final String JOB_GROUP = "spark.jobGroup.id";

    private final ExperimentDefinition definition;
    private final String sql;
    private final TpchData tpch;
    private final Sandbox sandbox;

    PlaygroundExperiment(ExperimentDefinition definition, String sql, TpchData tpch, Sandbox sandbox) {
        this.definition = definition;
        this.sql = sql;
        this.tpch = tpch;
        this.sandbox = sandbox;
    }

    @Override
    public ExperimentDefinition definition() {
        return definition;
    }

    @Override
    public String run(ExperimentRun run) {
        // Registering a view is a SQL command of its own; outside the run's job group it is not
        // reported as one of the run's queries (the run view shows the learner's query first).
        SparkContext sc = run.spark().sparkContext();
        String group = sc.getLocalProperty(JOB_GROUP);
        sc.setLocalProperty(JOB_GROUP, null);
        try {
            tpch.register(run.spark());
        } finally {
            sc.setLocalProperty(JOB_GROUP, group);
        }
        Dataset<Row> query = sandbox.check(run.spark(), sql);
        run.execute(query);
        return "query ran (rows computed and discarded: the playground collects none)";
    }
}
