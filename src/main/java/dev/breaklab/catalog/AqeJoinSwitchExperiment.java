package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
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

/** A filter makes one side tiny, but only at runtime: static planning shuffles and sorts it anyway. */
@Component
class AqeJoinSwitchExperiment implements Experiment {

    static final String ID = "aqe-join-switch";
    private static final int FACT_PARTITIONS = 8;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "AQE join switch: broadcast what turned out small",
            "The planner cannot know a filter keeps 1% of the dimension; AQE sees it at runtime and switches to a broadcast join.",
            List.of(Concept.AQE, Concept.JOINS, Concept.SHUFFLE),
            """
            The join strategy is chosen before anything runs, from size estimates. Without column \
            statistics Spark has no idea how selective a filter is, so a filter keeps the estimate of the \
            whole table: here a 200,000-row dimension filtered down to about 1% still looks several \
            megabytes big, above the broadcast threshold (1 MB in this experiment), and the static planner \
            picks a sort-merge join. Both sides are shuffled and sorted, including the million-row fact \
            table, to meet two thousand dimension rows.

            Adaptive Query Execution re-plans at every shuffle boundary with the real sizes the map stages \
            just wrote. Once the dimension's shuffle stage finishes, AQE sees a few dozen kilobytes, under \
            spark.sql.adaptive.autoBroadcastJoinThreshold (which follows the static threshold unless set), \
            and rewrites the join into a broadcast hash join. The fact side has already been shuffled by \
            then, so AQE reads those shuffle files locally (AQEShuffleRead local) instead of fetching them \
            by partition: no sort, and no reducer-side fetch of the big side.

            In the lab, compare the plan versions of the fixed run: the initial plan says SortMergeJoin, \
            the final one BroadcastHashJoin with a local shuffle read. In the Spark UI the SQL tab shows the \
            final plan (with "isFinalPlan=true" on AdaptiveSparkPlan) and the query runs as several small \
            jobs, one per query stage. The threshold-off variant sets the adaptive threshold to -1: AQE is on \
            but may not switch, and the sort-merge join stays.""",
            new Code("""
                    Dataset<Row> facts = spark.range(0, rows, 1, 8).select(
                        pmod(col("id"), lit(dimRows)).as("key"), col("id").as("amount"));
                    // keeps ~keepPercent% of the rows, but the optimizer cannot tell
                    Dataset<Row> dims = spark.range(dimRows)
                        .select(col("id").as("key"), concat(lit("name-"), col("id").cast("string")).as("name"),
                                pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                        .where(col("bucket").lt(keepPercent));   // not the join key: nothing to infer

                    // spark.sql.autoBroadcastJoinThreshold=1m (the estimate is above it)
                    // broken: spark.sql.adaptive.enabled=false; fixed: true
                    facts.join(dims, "key").write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.autoBroadcastJoinThreshold = 1048576;
                    SET spark.sql.adaptive.enabled = false;         -- broken; fixed: true

                    CREATE TEMP VIEW facts AS
                      SELECT pmod(id, ${dimRows}) AS key, id AS amount FROM range(0, ${rows}, 1, 8);
                    CREATE TEMP VIEW dims AS
                      SELECT * FROM (SELECT id AS key, concat('name-', id) AS name, pmod(xxhash64(id), 100) AS bucket
                                     FROM range(${dimRows}))
                      WHERE bucket < ${keepPercent};

                    SELECT * FROM facts f JOIN dims d ON f.key = d.key;"""),
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
                            "Rows in the dimension before the filter: this is what the planner estimates from"),
                    IntegerKnob.of(
                            "keepPercent",
                            "Rows kept",
                            1,
                            0,
                            100,
                            "%",
                            "Share of dimension rows the filter keeps (known only at runtime)"),
                    IntegerKnob.of(
                                    "broadcastThreshold",
                                    "Broadcast threshold",
                                    1_048_576,
                                    -1,
                                    104_857_600,
                                    "bytes",
                                    "spark.sql.autoBroadcastJoinThreshold; the adaptive threshold follows it unless set")
                            .conf("spark.sql.autoBroadcastJoinThreshold")),
            List.of(
                    Variant.of(
                                    "broken",
                                    "AQE off",
                                    "Static planning: the filtered dimension looks big, sort-merge join")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of("fixed", "AQE on", "AQE sees the real size after the shuffle and broadcasts")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.adaptive.localShuffleReader.enabled", "true")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of(
                                    "threshold-off",
                                    "AQE on, adaptive threshold -1",
                                    "AQE re-plans, but spark.sql.adaptive.autoBroadcastJoinThreshold=-1 forbids the switch")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8")),
            List.of(
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the final plan use?",
                            List.of("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"),
                            RunQueries::joinStrategy),
                    Question.choice(
                            "aqe-switch",
                            "Will the join in the final plan differ from the one Spark planned first?",
                            List.of("yes", "no"),
                            run -> RunQueries.initialJoinStrategy(run).equals(RunQueries.joinStrategy(run))
                                    ? "no"
                                    : "yes")),
            List.of(
                    Evidence.central(
                            "stuck-with-merge",
                            "The join runs as the sort-merge join planned from estimates: the small side is shuffled and sorted like the big one",
                            Set.of("broken", "threshold-off"),
                            run -> {
                                String initial = RunQueries.initialJoinStrategy(run);
                                String last = RunQueries.joinStrategy(run);
                                long sorts = RunQueries.countFinal(
                                        run, n -> n.nodeName().equals("Sort"));
                                return Verdict.of(
                                        initial.equals("SortMergeJoin") && last.equals("SortMergeJoin") && sorts == 2,
                                        "planned: %s, ran: %s, Sort operators: %d",
                                        initial,
                                        last,
                                        sorts);
                            }),
                    Evidence.of(
                            "switched-to-broadcast",
                            "AQE changed the merge join into a broadcast join: initial SortMergeJoin, final BroadcastHashJoin",
                            Set.of("fixed"),
                            run -> {
                                String initial = RunQueries.initialJoinStrategy(run);
                                String last = RunQueries.joinStrategy(run);
                                return Verdict.of(
                                        initial.equals("SortMergeJoin") && last.equals("BroadcastHashJoin"),
                                        "planned: %s, ran: %s, AQE plan updates: %d",
                                        initial,
                                        last,
                                        RunQueries.aqeUpdates(run));
                            }),
                    Evidence.of(
                            "local-read",
                            "The already shuffled fact side is read locally: the final plan has AQEShuffleRead local",
                            Set.of("fixed"),
                            run -> {
                                boolean local = RunQueries.finalPlanHas(run, "AQEShuffleRead", "local");
                                return Verdict.of(local, "AQEShuffleRead local: %s", local ? "yes" : "no");
                            }),
                    Evidence.of(
                            "small-at-runtime",
                            "At runtime the filtered dimension is far below the broadcast threshold: its shuffle stage wrote under 1 MB",
                            Set.of("broken", "fixed", "threshold-off"),
                            run -> {
                                long smallest = run.completedStages().stream()
                                        .filter(s -> s.shuffleWriteBytes() > 0)
                                        .mapToLong(s -> s.shuffleWriteBytes())
                                        .min()
                                        .orElse(-1);
                                return Verdict.of(
                                        smallest >= 0 && smallest < 1_048_576,
                                        "smallest shuffle write of a map stage: %d bytes",
                                        smallest);
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
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, FACT_PARTITIONS)
                .select(pmod(col("id"), lit(dimRows)).as("key"), col("id").as("amount"));
        Dataset<Row> dims = spark.range(dimRows)
                .select(
                        col("id").as("key"),
                        concat(lit("name-"), col("id").cast("string")).as("name"),
                        pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                // A filter on a column that is not the join key: the optimizer cannot infer it for the
                // fact side, and (without column statistics) cannot estimate how much it keeps. xxhash64,
                // not hash(): the kept keys must not line up with the shuffle's Murmur3 partitions.
                .where(col("bucket").lt(k.integer("keepPercent")));
        run.execute(facts.join(dims, "key"));
        return k.integer("rows") + " fact rows joined to ~" + k.integer("keepPercent") + "% of " + dimRows
                + " dimension rows";
    }
}
