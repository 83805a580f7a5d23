package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** Join hints decide the physical join: one variant per hint, and one hint that turns a join into a cross product. */
@Component
class JoinHintsExperiment implements Experiment {

    static final String ID = "join-hints";
    private static final int PARTITIONS = 4;

    /** The join operator each variant's hint must produce. */
    private static final Map<String, String> EXPECTED = Map.of(
            "broken", "CartesianProduct",
            "fixed", "BroadcastHashJoin",
            "merge", "SortMergeJoin",
            "shuffle-hash", "ShuffledHashJoin",
            "non-equi", "BroadcastNestedLoopJoin",
            "two-hints", "SortMergeJoin");

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Join hints: telling the planner how to join",
            "BROADCAST, MERGE, SHUFFLE_HASH and SHUFFLE_REPLICATE_NL each force a different physical join; one of them compares every pair of rows.",
            List.of(Concept.JOINS, Concept.SHUFFLE, Concept.STAGES),
            """
            Spark has five ways to execute a join, and the planner picks one from the join condition and \
            its size estimates. A hint overrides the pick. BROADCAST ships the hinted side to every task \
            (BroadcastHashJoin, or BroadcastNestedLoopJoin when there is no equality to hash on). MERGE \
            shuffles and sorts both sides (SortMergeJoin). SHUFFLE_HASH shuffles both sides and builds a \
            hash table per partition instead of sorting (ShuffledHashJoin). SHUFFLE_REPLICATE_NL pairs \
            every partition of one side with every partition of the other and tests the condition on \
            every pair of rows (CartesianProduct).

            Hints are orders, not suggestions, so a wrong one is expensive. The broken variant puts \
            SHUFFLE_REPLICATE_NL on an ordinary equi-join: instead of hashing on the key, Spark compares \
            each fact row with each dimension row, fact partitions x dimension partitions tasks with no \
            shuffle at all, rows x keys comparisons, and every fact partition computed again for each \
            dimension partition (the Filter under the fact side reports four times the fact rows). Harmless at the default ten million pairs; fatal \
            at production sizes. When two sides carry different hints, Spark resolves them in a fixed \
            order, BROADCAST over MERGE over SHUFFLE_HASH over SHUFFLE_REPLICATE_NL (see the two-hints \
            variant), and a hint that cannot apply (BROADCAST on the preserved side of an outer join, a \
            hash join with no equality) is ignored with a warning in the driver log.

            In the lab, predict the operator, then check the plan tree and the stage list: the cross \
            product is one stage of 16 tasks, the hash and merge joins have shuffle stages, the broadcasts \
            a small collect job; the logical plans show the hint travelling from UnresolvedHint (parsed) \
            to ResolvedHint (analyzed) to a hint on the Join itself (optimized). In the Spark UI the SQL \
            tab shows the chosen operator, and the query's details print the same logical plans.""",
            new Code("""
                    Dataset<Row> facts = spark.range(0, rows, 1, 4).select(
                        pmod(col("id"), lit(keys)).as("key"), pmod(col("id"), lit(keys * 10)).as("amount"));
                    Dataset<Row> dims = spark.range(0, keys, 1, 4).select(
                        col("id").as("key"), col("id").multiply(10).as("lo"), col("id").multiply(10).plus(10).as("hi"));
                    // spark.sql.autoBroadcastJoinThreshold=-1, spark.sql.adaptive.enabled=false

                    facts.join(dims.hint("shuffle_replicate_nl"), "key");  // broken:       CartesianProduct
                    facts.join(dims.hint("broadcast"), "key");             // fixed:        BroadcastHashJoin
                    facts.join(dims.hint("merge"), "key");                 // merge:        SortMergeJoin
                    facts.join(dims.hint("shuffle_hash"), "key");          // shuffle-hash: ShuffledHashJoin
                    facts.join(dims.hint("broadcast"),                     // non-equi:     BroadcastNestedLoopJoin
                        facts.col("amount").geq(dims.col("lo")).and(facts.col("amount").lt(dims.col("hi"))));
                    facts.hint("merge").join(dims.hint("shuffle_hash"), "key"); // two-hints: MERGE wins
                    // each one: .write().format("noop").mode("overwrite").save()""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.autoBroadcastJoinThreshold = -1;

                    CREATE TEMP VIEW facts AS
                      SELECT pmod(id, ${keys}) AS key, pmod(id, ${keys} * 10) AS amount FROM range(0, ${rows}, 1, 4);
                    CREATE TEMP VIEW dims AS
                      SELECT id AS key, id * 10 AS lo, id * 10 + 10 AS hi FROM range(0, ${keys}, 1, 4);

                    SELECT /*+ SHUFFLE_REPLICATE_NL(d) */ * FROM facts f JOIN dims d ON f.key = d.key; -- broken
                    SELECT /*+ BROADCAST(d) */ * FROM facts f JOIN dims d ON f.key = d.key;            -- fixed
                    SELECT /*+ MERGE(d) */ * FROM facts f JOIN dims d ON f.key = d.key;                -- merge
                    SELECT /*+ SHUFFLE_HASH(d) */ * FROM facts f JOIN dims d ON f.key = d.key;         -- shuffle-hash
                    SELECT /*+ BROADCAST(d) */ * FROM facts f
                      JOIN dims d ON f.amount >= d.lo AND f.amount < d.hi;                             -- non-equi
                    SELECT /*+ MERGE(f), SHUFFLE_HASH(d) */ * FROM facts f JOIN dims d ON f.key = d.key; -- two-hints"""),
            List.of(
                    IntegerKnob.of("rows", "Fact rows", 20_000, 1_000, 5_000_000, "rows", "Rows in the fact table"),
                    IntegerKnob.of(
                            "keys",
                            "Dimension rows",
                            500,
                            10,
                            100_000,
                            "rows",
                            "Rows in the dimension table; the cross product compares rows x keys pairs"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "Shuffle partitions",
                                    8,
                                    1,
                                    2_000,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: tasks of the shuffled joins")
                            .conf("spark.sql.shuffle.partitions")),
            variants(),
            List.of(Question.choice(
                    "join-strategy",
                    "Which join operator will the plan use?",
                    List.of(
                            "BroadcastHashJoin",
                            "SortMergeJoin",
                            "ShuffledHashJoin",
                            "BroadcastNestedLoopJoin",
                            "CartesianProduct"),
                    RunQueries::joinStrategy)),
            evidence(),
            "embedded");

    private static List<Variant> variants() {
        List<Variant> variants = new ArrayList<>();
        variants.add(pinned(Variant.of(
                "broken",
                "SHUFFLE_REPLICATE_NL on an equi-join",
                "The hint turns a key join into a cross product that tests every pair of rows")));
        variants.add(pinned(Variant.of("fixed", "BROADCAST", "Ship the small dimension to every task")));
        variants.add(pinned(Variant.of("merge", "MERGE", "Shuffle and sort both sides")));
        variants.add(pinned(Variant.of("shuffle-hash", "SHUFFLE_HASH", "Shuffle both sides, hash instead of sort")));
        variants.add(pinned(Variant.of(
                "non-equi",
                "BROADCAST on a range join",
                "No equality to hash on: a nested loop over the broadcast side")));
        variants.add(pinned(Variant.of(
                "two-hints", "MERGE vs SHUFFLE_HASH", "Conflicting hints on the two sides: MERGE takes precedence")));
        return variants;
    }

    /** Static planning only: AQE could re-plan a hinted join; broadcasting only where hinted. */
    private static Variant pinned(Variant variant) {
        return variant.withConf("spark.sql.adaptive.enabled", "false")
                .withConf("spark.sql.autoBroadcastJoinThreshold", "-1");
    }

    private static List<Evidence> evidence() {
        List<Evidence> evidence = new ArrayList<>();
        evidence.add(Evidence.central(
                "cross-product",
                "SHUFFLE_REPLICATE_NL made the key join a CartesianProduct: one stage of fact x dimension partitions tasks, with no shuffle",
                Set.of("broken"),
                run -> {
                    boolean cartesian = RunQueries.finalHas(run, "CartesianProduct");
                    int tasks = run.widestStage().map(StageSnapshot::numTasks).orElse(0);
                    long written = RunQueries.shuffleWritten(run);
                    // Each task recomputes its fact partition: the fact side is produced once per dimension partition.
                    long factRows = RunQueries.finalMetric(run, "Filter", "number of output rows");
                    return Verdict.of(
                            cartesian && tasks == PARTITIONS * PARTITIONS && written == 0,
                            "join: %s, widest stage: %d tasks (%d x %d partitions), shuffle written: %d bytes, fact rows produced: %,d",
                            RunQueries.joinStrategy(run),
                            tasks,
                            PARTITIONS,
                            PARTITIONS,
                            written,
                            factRows);
                }));
        for (String variant : List.of("fixed", "merge", "shuffle-hash", "non-equi", "two-hints")) {
            String expected = EXPECTED.get(variant);
            evidence.add(Evidence.of(
                    "operator-" + variant, "The " + variant + " hint(s) produce " + expected, Set.of(variant), run -> {
                        String join = RunQueries.joinStrategy(run);
                        return Verdict.of(join.equals(expected), "join: %s", join);
                    }));
        }
        evidence.add(Evidence.of(
                "shuffled-sides",
                "MERGE and SHUFFLE_HASH shuffle both sides: two hash-partitioning exchanges",
                Set.of("merge", "shuffle-hash", "two-hints"),
                run -> {
                    long exchanges = RunQueries.exchanges(run);
                    return Verdict.of(exchanges == 2, "shuffle exchanges: %d", exchanges);
                }));
        return evidence;
    }

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long keys = k.integer("keys");
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, PARTITIONS)
                .select(
                        pmod(col("id"), lit(keys)).as("key"),
                        pmod(col("id"), lit(keys * 10)).as("amount"));
        Dataset<Row> dims = spark.range(0, keys, 1, PARTITIONS)
                .select(
                        col("id").as("key"),
                        col("id").multiply(10).as("lo"),
                        col("id").multiply(10).plus(10).as("hi"));
        Dataset<Row> joined =
                switch (run.variant()) {
                    case "broken" -> facts.join(dims.hint("shuffle_replicate_nl"), "key");
                    case "merge" -> facts.join(dims.hint("merge"), "key");
                    case "shuffle-hash" -> facts.join(dims.hint("shuffle_hash"), "key");
                    case "non-equi" -> {
                        Column inRange = facts.col("amount")
                                .geq(dims.col("lo"))
                                .and(facts.col("amount").lt(dims.col("hi")));
                        yield facts.join(dims.hint("broadcast"), inRange);
                    }
                    case "two-hints" -> facts.hint("merge").join(dims.hint("shuffle_hash"), "key");
                    default -> facts.join(dims.hint("broadcast"), "key");
                };
        run.execute(joined);
        return k.integer("rows") + " fact rows joined to " + keys + " dimension rows with "
                + EXPECTED.get(run.variant());
    }
}
