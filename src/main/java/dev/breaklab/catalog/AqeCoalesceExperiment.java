package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Spark's default 200 shuffle partitions on a small aggregation: AQE coalesces them at runtime. */
@Component
class AqeCoalesceExperiment implements Experiment {

    static final String ID = "aqe-coalesce";
    private static final Pattern HASH_PARTITIONS = Pattern.compile("hashpartitioning\\(.*, (\\d+)\\)");

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "AQE coalesce: 200 partitions is a guess",
            "spark.sql.shuffle.partitions=200 is the same for every query; AQE merges the small post-shuffle partitions once it sees their sizes.",
            List.of(Concept.AQE, Concept.PARTITIONS, Concept.SHUFFLE),
            """
            Every shuffle in a Spark SQL query is cut into spark.sql.shuffle.partitions partitions, 200 \
            unless someone changed it. That number is chosen before the query runs and without looking at \
            the data: too many for a small aggregate (hundreds of tasks that each read a few kilobytes and \
            spend their time being scheduled), too few for a big one. Without AQE the plan keeps whatever \
            the setting says.

            With AQE, each shuffle's map stage reports how many bytes it wrote for every partition, and \
            the coalescing rule packs neighbouring small partitions together before the reduce stage \
            starts. It aims at spark.sql.adaptive.advisoryPartitionSizeInBytes (64 MB) but, by default \
            (coalescePartitions.parallelismFirst=true), keeps at least as many partitions as the \
            cluster has cores as long as each stays above coalescePartitions.minPartitionSize (1 MB). \
            The plan reads the shuffle through AQEShuffleRead coalesced and the reduce stage runs a \
            handful of tasks. The no-coalesce variant keeps AQE on but switches the rule off, to show it \
            is this rule, not AQE as such, that fixes the task count.

            In the lab, read the partition count twice: the Exchange of the initial plan says \
            hashpartitioning(key, 200); the final plan's AQEShuffleRead says how many partitions were \
            actually read, and the aggregate stage's task count agrees. In the Spark UI, the SQL tab's \
            AQEShuffleRead node shows "number of partitions" and "number of coalesced partitions", and the \
            stage page shows 200 tasks versus a few.""",
            new Code("""
                    // broken: spark.sql.adaptive.enabled=false; fixed: true (coalescePartitions on)
                    // spark.sql.shuffle.partitions=200 (the default) in both
                    spark.range(0, rows, 1, 4)
                        .groupBy(pmod(col("id"), lit(keys)).as("key"))
                        .agg(count(lit(1)).as("n"), max("id").as("last"))
                        .write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.shuffle.partitions = 200;
                    SET spark.sql.adaptive.enabled = false;      -- broken; fixed: true

                    SELECT pmod(id, ${keys}) AS key, count(*) AS n, max(id) AS last
                    FROM range(0, ${rows}, 1, 4)
                    GROUP BY pmod(id, ${keys});"""),
            List.of(
                    IntegerKnob.of("rows", "Rows", 500_000, 1_000, 100_000_000, "rows", "Rows aggregated"),
                    IntegerKnob.of("keys", "Groups", 50_000, 1, 10_000_000, "keys", "Distinct grouping keys"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "Shuffle partitions",
                                    200,
                                    1,
                                    5_000,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: the partition count the plan starts with")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    Variant.of("broken", "AQE off", "The static plan reads all 200 shuffle partitions")
                            .withConf("spark.sql.adaptive.enabled", "false"),
                    Variant.of("fixed", "AQE on", "AQE coalesces the small partitions after the map stage")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                            .withConf("spark.sql.adaptive.coalescePartitions.parallelismFirst", "true")
                            .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64m"),
                    Variant.of(
                                    "no-coalesce",
                                    "AQE on, coalescing off",
                                    "AQE re-plans, but spark.sql.adaptive.coalescePartitions.enabled=false keeps 200")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")),
            List.of(
                    Question.number(
                            "aggregate-tasks",
                            "How many tasks will the aggregate stage (after the shuffle) run?",
                            run -> aggregateStage(run).numTasks()),
                    Question.choice(
                            "aqe-coalesce",
                            "Will AQE coalesce the shuffle partitions?",
                            List.of("yes", "no"),
                            run -> RunQueries.finalPlanHas(run, "AQEShuffleRead", "coalesced") ? "yes" : "no")),
            List.of(
                    Evidence.central(
                            "all-partitions-read",
                            "The aggregate stage runs one task per configured shuffle partition, each reading a sliver",
                            Set.of("broken", "no-coalesce"),
                            run -> {
                                StageSnapshot stage = aggregateStage(run);
                                int planned = plannedPartitions(run);
                                return Verdict.of(
                                        planned > 0 && stage.numTasks() == planned && planned >= 100,
                                        "planned partitions: %d, aggregate stage tasks: %d, median read %d bytes",
                                        planned,
                                        stage.numTasks(),
                                        stage.taskShuffleReadBytes().p50());
                            }),
                    Evidence.of(
                            "coalesced",
                            "AQE coalesced the planned partitions: AQEShuffleRead coalesced, and the aggregate stage runs at most 10 tasks",
                            Set.of("fixed"),
                            run -> {
                                int planned = plannedPartitions(run);
                                boolean coalesced = RunQueries.finalPlanHas(run, "AQEShuffleRead", "coalesced");
                                long read = RunQueries.finalMetric(run, "AQEShuffleRead", "number of partitions");
                                int tasks = aggregateStage(run).numTasks();
                                return Verdict.of(
                                        coalesced && tasks <= 10 && tasks < planned,
                                        "planned: %d partitions, AQEShuffleRead coalesced: %s, partitions read: %d, aggregate stage tasks: %d",
                                        planned,
                                        coalesced ? "yes" : "no",
                                        read,
                                        tasks);
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** The post-shuffle stage: the completed stage that read shuffle data. */
    static StageSnapshot aggregateStage(RunSnapshot run) {
        return RunQueries.shuffleReadStage(run);
    }

    /** The partition count of the initial plan's shuffle: hashpartitioning(key, N). */
    static int plannedPartitions(RunSnapshot run) {
        return RunQueries.initialPlan(run)
                .flatMap(v -> v.tree().stream()
                        .filter(n -> n.named("Exchange"))
                        .map(PlanNode::simpleString)
                        .map(HASH_PARTITIONS::matcher)
                        .filter(Matcher::find)
                        .map(m -> Integer.parseInt(m.group(1)))
                        .findFirst())
                .orElse(0);
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        Dataset<Row> query = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"), max("id").as("last"));
        run.execute(query);
        return k.integer("keys") + " groups aggregated";
    }
}
