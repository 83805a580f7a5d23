package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** One query, AQE off and on: the static plan runs as written, the adaptive one is rewritten stage by stage. */
@Component
class AqeOnOffExperiment implements Experiment {

    static final String ID = "aqe-on-off";

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "AQE on vs off: the same query, two executions",
            "A join plus an aggregation with AQE off and on: compare the initial and final plans, the jobs and the task counts.",
            List.of(Concept.AQE, Concept.STAGES, Concept.SPARK_UI),
            """
            Without Adaptive Query Execution, Spark compiles a query into one physical plan before it \
            starts and runs exactly that plan: every join strategy and every partition count is decided \
            from estimates, and the whole query is one job whose stages are cut at the shuffles. With AQE \
            (on by default since Spark 3.2) the plan is cut into query stages at every shuffle or \
            broadcast; each stage runs as its own job, and after each one Spark re-optimizes the rest of \
            the plan with the sizes it just measured.

            This experiment runs one ordinary query both ways: facts joined to a dimension that a filter \
            shrinks to about 1% (the planner cannot see that), then grouped by a category. With AQE off \
            you get what the estimates said: a sort-merge join and 200-task reduce stages for a few \
            megabytes. With AQE on, the plan changes while the query runs: the join becomes a broadcast \
            join once the dimension turns out tiny, the already shuffled fact side is read locally, and \
            the aggregate's 200 partitions are coalesced to a handful. The price is visible too: more, \
            smaller jobs, and a plan you can only fully read after the query finished.

            In the lab, compare the plan versions (AQE off has one; AQE on has the initial plan, one \
            version per re-plan, and the final plan), the job count and the reduce-stage task counts, \
            then put the two runs side by side. In the Spark UI, the SQL tab of the AQE run shows \
            AdaptiveSparkPlan isFinalPlan=true with the final operators, and the Jobs tab lists one job \
            per query stage under the same SQL query.""",
            new Code("""
                    Dataset<Row> facts = spark.range(0, rows, 1, 8).select(
                        pmod(col("id"), lit(dimRows)).as("key"), col("id").as("amount"));
                    Dataset<Row> dims = spark.range(dimRows)
                        .select(col("id").as("key"), concat(lit("cat-"), pmod(col("id"), lit(20)).cast("string")).as("category"),
                                pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                        .where(col("bucket").lt(1));     // ~1%, invisible to the planner

                    // broken: spark.sql.adaptive.enabled=false; fixed: true
                    // both: spark.sql.autoBroadcastJoinThreshold=1m, spark.sql.shuffle.partitions=200
                    facts.join(dims, "key")
                        .groupBy("category").agg(count(lit(1)).as("n"), sum("amount").as("total"))
                        .write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.autoBroadcastJoinThreshold = 1048576;
                    SET spark.sql.shuffle.partitions = 200;
                    SET spark.sql.adaptive.enabled = false;      -- broken; fixed: true

                    SELECT d.category, count(*) AS n, sum(f.amount) AS total
                    FROM (SELECT pmod(id, ${dimRows}) AS key, id AS amount FROM range(0, ${rows}, 1, 8)) f
                    JOIN (SELECT * FROM (SELECT id AS key, concat('cat-', pmod(id, 20)) AS category,
                                                pmod(xxhash64(id), 100) AS bucket FROM range(${dimRows}))
                          WHERE bucket < 1) d
                      ON f.key = d.key
                    GROUP BY d.category;"""),
            List.of(
                    IntegerKnob.of(
                            "rows", "Fact rows", 1_000_000, 10_000, 50_000_000, "rows", "Rows in the fact table"),
                    IntegerKnob.of(
                            "dimRows",
                            "Dimension rows",
                            200_000,
                            1_000,
                            10_000_000,
                            "rows",
                            "Rows in the dimension before its ~1% filter"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "Shuffle partitions",
                                    200,
                                    1,
                                    2_000,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: what the static plan uses for every shuffle")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    Variant.of("broken", "AQE off", "The static plan, run as compiled")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "1m"),
                    Variant.of("fixed", "AQE on", "The same query, re-optimized after every query stage")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "1m")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                            .withConf("spark.sql.adaptive.localShuffleReader.enabled", "true")),
            List.of(
                    Question.choice(
                            "plan-changes",
                            "Will the plan that finally runs differ from the plan Spark started with?",
                            List.of("yes", "no"),
                            run -> RunQueries.aqeUpdates(run) > 0 && RunQueries.aqeChangedPlan(run) ? "yes" : "no"),
                    Question.number("jobs", "How many Spark jobs will the query run?", run -> run.jobs()
                            .size()),
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the final plan use?",
                            List.of("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"),
                            RunQueries::joinStrategy)),
            List.of(
                    Evidence.central(
                            "static-plan",
                            "The query runs the plan it was compiled to: no re-plan, the estimated sort-merge join, and one reduce task per configured partition",
                            Set.of("broken"),
                            run -> {
                                long updates = RunQueries.aqeUpdates(run);
                                String join = RunQueries.joinStrategy(run);
                                int widest =
                                        run.widestStage().map(s -> s.numTasks()).orElse(0);
                                return Verdict.of(
                                        updates == 0 && join.equals("SortMergeJoin") && widest >= 100,
                                        "AQE plan updates: %d, join: %s, widest stage: %d tasks",
                                        updates,
                                        join,
                                        widest);
                            }),
                    Evidence.of(
                            "one-job",
                            "Without AQE the whole query is a single job",
                            Set.of("broken"),
                            run -> Verdict.of(
                                    run.jobs().size() == 1,
                                    "jobs: %d",
                                    run.jobs().size())),
                    Evidence.of(
                            "replanned",
                            "AQE rewrote the plan while it ran: initial SortMergeJoin, final BroadcastHashJoin, shuffles read through AQEShuffleRead",
                            Set.of("fixed"),
                            run -> {
                                String initial = RunQueries.initialJoinStrategy(run);
                                String last = RunQueries.joinStrategy(run);
                                boolean read = RunQueries.finalHas(run, "AQEShuffleRead");
                                return Verdict.of(
                                        initial.equals("SortMergeJoin")
                                                && last.equals("BroadcastHashJoin")
                                                && read
                                                && RunQueries.aqeUpdates(run) > 0,
                                        "planned: %s, ran: %s, AQEShuffleRead: %s, AQE plan updates: %d",
                                        initial,
                                        last,
                                        read ? "yes" : "no",
                                        RunQueries.aqeUpdates(run));
                            }),
                    Evidence.of(
                            "stage-jobs",
                            "AQE runs the query stage by stage: several jobs, and no stage with 200 tasks",
                            Set.of("fixed"),
                            run -> {
                                int widest =
                                        run.widestStage().map(s -> s.numTasks()).orElse(0);
                                return Verdict.of(
                                        run.jobs().size() >= 2 && widest < 100,
                                        "jobs: %d, widest stage: %d tasks",
                                        run.jobs().size(),
                                        widest);
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long dimRows = k.integer("dimRows");
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, 8)
                .select(pmod(col("id"), lit(dimRows)).as("key"), col("id").as("amount"));
        Dataset<Row> dims = spark.range(dimRows)
                .select(
                        col("id").as("key"),
                        concat(lit("cat-"), pmod(col("id"), lit(20)).cast("string"))
                                .as("category"),
                        pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                // Not the join key, so nothing is inferred for the fact side; xxhash64, so the kept keys
                // are spread evenly over the shuffle partitions (which use Murmur3, i.e. hash()).
                .where(col("bucket").lt(1));
        Dataset<Row> query = facts.join(dims, "key")
                .groupBy("category")
                .agg(count(lit(1)).as("n"), sum("amount").as("total"));
        run.execute(query);
        return k.integer("rows") + " fact rows joined and grouped into 20 categories";
    }
}
