package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** A small dimension joined by shuffling the big fact table, when a broadcast would skip the shuffle. */
@Component
class BroadcastHintExperiment implements Experiment {

    static final String ID = "broadcast-hint";
    private static final int FACT_PARTITIONS = 8;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Broadcast hint: ship the small side, not the big one",
            "Joining a tiny dimension by shuffling millions of fact rows; a BROADCAST hint removes the shuffle.",
            List.of(Concept.JOINS, Concept.SHUFFLE, Concept.STAGES),
            """
            To join two tables on a key, Spark must bring matching rows together. A sort-merge join does \
            it by shuffling both sides by the key: every fact row is serialized, written to local disk, \
            fetched by a reducer and sorted, just to meet a dimension of a few thousand rows. A broadcast \
            hash join does it the other way round: the small side is collected once, sent whole to every \
            executor, and each fact partition is joined where it already sits. No shuffle of the big side, \
            no sort, one stage fewer.

            Spark broadcasts on its own when its size estimate of a side is under \
            spark.sql.autoBroadcastJoinThreshold (10 MB by default). Here that automatic choice is \
            switched off (-1), as it often is in production after one broadcast went wrong, so the join \
            falls back to a sort-merge join. A /*+ BROADCAST(d) */ hint (functions.broadcast(dims) in the \
            DataFrame API) overrides the threshold: the hint wins even when automatic broadcasting is off.

            In the lab, compare the plans: SortMergeJoin with an Exchange hashpartitioning under each side \
            against BroadcastHashJoin over a BroadcastExchange, and count the stages and the shuffle bytes. \
            In the Spark UI, the SQL tab draws the same two trees; the broadcast run shows a small extra job \
            that collects the dimension, and its Stages tab has no shuffle write for the fact table.""",
            new Code("""
                    Dataset<Row> facts = spark.range(0, rows, 1, 8).select(
                        pmod(col("id"), lit(keys)).as("key"), pmod(col("id"), lit(1000)).as("amount"));
                    Dataset<Row> dims = spark.range(keys).select(
                        col("id").as("key"), concat(lit("name-"), col("id").cast("string")).as("name"));

                    // spark.sql.autoBroadcastJoinThreshold=-1, spark.sql.adaptive.enabled=false
                    facts.join(dims, "key")                      // broken: sort-merge join
                        .write().format("noop").mode("overwrite").save();

                    facts.join(broadcast(dims), "key")           // fixed: the hint beats the threshold
                        .write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.autoBroadcastJoinThreshold = -1;

                    CREATE TEMP VIEW facts AS
                      SELECT pmod(id, ${keys}) AS key, pmod(id, 1000) AS amount FROM range(0, ${rows}, 1, 8);
                    CREATE TEMP VIEW dims AS
                      SELECT id AS key, concat('name-', id) AS name FROM range(${keys});

                    -- broken
                    SELECT f.key, f.amount, d.name FROM facts f JOIN dims d ON f.key = d.key;

                    -- fixed
                    SELECT /*+ BROADCAST(d) */ f.key, f.amount, d.name
                    FROM facts f JOIN dims d ON f.key = d.key;"""),
            List.of(
                    IntegerKnob.of(
                            "rows", "Fact rows", 2_000_000, 10_000, 50_000_000, "rows", "Rows in the fact table"),
                    IntegerKnob.of(
                            "keys",
                            "Dimension rows",
                            10_000,
                            10,
                            1_000_000,
                            "rows",
                            "Rows in the small dimension table"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "Shuffle partitions",
                                    8,
                                    1,
                                    2_000,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: tasks of the sort-merge join stage")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    Variant.of(
                                    "broken",
                                    "No hint, broadcast off",
                                    "autoBroadcastJoinThreshold=-1 and no hint: both sides are shuffled and sorted")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1"),
                    Variant.of(
                                    "fixed",
                                    "BROADCAST hint",
                                    "Same settings, but the dimension is hinted: the hint overrides the threshold")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1"),
                    Variant.of(
                                    "auto-broadcast",
                                    "No hint, default threshold",
                                    "No hint, autoBroadcastJoinThreshold back at 10 MB: Spark broadcasts the dimension by itself")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "10m")),
            List.of(
                    Question.choice(
                            "join-strategy",
                            "Which join operator will the plan use?",
                            List.of("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"),
                            RunQueries::joinStrategy),
                    Question.number("stages", "How many stages will run?", RunQueries::stagesRun)),
            List.of(
                    Evidence.central(
                            "shuffle-join",
                            "The join shuffles both sides: SortMergeJoin over two hash-partitioning exchanges, and the fact table is written to shuffle files",
                            Set.of("broken"),
                            run -> {
                                String join = RunQueries.joinStrategy(run);
                                long exchanges = RunQueries.exchanges(run);
                                long written = RunQueries.shuffleWritten(run);
                                return Verdict.of(
                                        join.equals("SortMergeJoin") && exchanges >= 2 && written > 0,
                                        "join: %s, shuffle exchanges: %d, shuffle written: %s",
                                        join,
                                        exchanges,
                                        Figures.bytes(written));
                            }),
                    Evidence.of(
                            "broadcast-join",
                            "The dimension is broadcast: BroadcastHashJoin over a BroadcastExchange, and nothing is shuffled",
                            Set.of("fixed", "auto-broadcast"),
                            run -> {
                                String join = RunQueries.joinStrategy(run);
                                boolean exchange = RunQueries.finalHas(run, "BroadcastExchange");
                                long written = RunQueries.shuffleWritten(run);
                                return Verdict.of(
                                        join.equals("BroadcastHashJoin") && exchange && written == 0,
                                        "join: %s, BroadcastExchange: %s, shuffle written: %d bytes",
                                        join,
                                        exchange ? "yes" : "no",
                                        written);
                            }),
                    Evidence.of(
                            "stage-saved",
                            "The broadcast plan runs in two stages (collect the dimension, join the facts in place) instead of three",
                            Set.of("fixed", "auto-broadcast"),
                            run -> {
                                long stages = RunQueries.stagesRun(run);
                                return Verdict.of(stages == 2, "stages run: %d", stages);
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
        long keys = k.integer("keys");
        Dataset<Row> facts = spark.range(0, k.integer("rows"), 1, FACT_PARTITIONS)
                .select(
                        pmod(col("id"), lit(keys)).as("key"),
                        pmod(col("id"), lit(1000)).as("amount"));
        Dataset<Row> dims = spark.range(keys)
                .select(
                        col("id").as("key"),
                        concat(lit("name-"), col("id").cast("string")).as("name"));
        Dataset<Row> joined = facts.join("fixed".equals(run.variant()) ? broadcast(dims) : dims, "key");
        run.execute(joined);
        return k.integer("rows") + " fact rows joined to " + keys + " dimension rows";
    }
}
