package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Join hints decide the physical join: a hint left on a join outlives the sizes it was written for. */
@Component
class JoinHintsExperiment extends ExperimentBase {

    /** Partitions of each side: the {@code range(..., 4)} of both tables in {@link #run}. */
    private static final int SIDE_PARTITIONS = 4;

    private static final String VIEWS = """
            CREATE TEMP VIEW facts AS
              SELECT pmod(id, ${keys}) AS key, pmod(id, ${keys} * 10) AS amount FROM range(0, ${rows}, 1, 4);
            CREATE TEMP VIEW dims AS
              SELECT id AS key, id * 10 AS lo, id * 10 + 10 AS hi FROM range(0, ${keys}, 1, 4);
            """;

    JoinHintsExperiment() {
        super(define("join-hints", JoinHintsExperiment.class)
                .concepts(Concept.JOINS, Concept.SHUFFLE, Concept.STAGES)
                .sql(VIEWS + "SELECT * FROM facts JOIN dims USING (key)")
                .sql("broken", hinted("MERGE(dims)"))
                .sql("broadcast", hinted("BROADCAST(dims)"))
                .sql("shuffle-replicate-nl", hinted("SHUFFLE_REPLICATE_NL(dims)"))
                .sql("merge", hinted("MERGE(dims)"))
                .sql("shuffle-hash", hinted("SHUFFLE_HASH(dims)"))
                .sql(
                        "non-equi",
                        VIEWS + "SELECT /*+ BROADCAST(dims) */ * FROM facts JOIN dims ON amount >= lo AND amount < hi")
                .sql("two-hints", hinted("MERGE(facts), SHUFFLE_HASH(dims)"))
                .knob(Knobs.rows(20_000, 5_000_000))
                .knob(IntegerKnob.of("keys", 500, 10, 100_000, "rows"))
                .knob(Knobs.shufflePartitions(8, 2_000, "tasks of the shuffled joins"))
                .variant(Variants.aqeOn("broken"))
                .variant(Variants.aqeOn("fixed"))
                .variant(Variants.shuffleJoin("broadcast"))
                .variant(Variants.shuffleJoin("shuffle-replicate-nl"))
                .variant(Variants.shuffleJoin("merge"))
                .variant(Variants.shuffleJoin("shuffle-hash"))
                .variant(Variants.shuffleJoin("non-equi"))
                .variant(Variants.shuffleJoin("two-hints"))
                .question(Questions.anyJoinStrategy())
                .evidence(Evidence.joinStrategy("hint-pins-merge", Set.of("broken"), "SortMergeJoin")
                        .and(run -> {
                            long exchanges = RunQueries.exchanges(run);
                            return Verdict.of(exchanges == 2, "shuffle Exchanges: %d", exchanges);
                        })
                        .asCentral())
                .evidence(Evidence.joinStrategy("planner-broadcasts", Set.of("fixed"), "BroadcastHashJoin"))
                .evidence(Evidence.of("cross-product", Set.of("shuffle-replicate-nl"), run -> {
                    boolean cartesian = RunQueries.finalHas(run, "CartesianProduct");
                    int tasks = RunQueries.widestStageTasks(run);
                    long written = RunQueries.shuffleWritten(run);
                    // Each task recomputes its fact partition: the fact side is produced once per dimension
                    // partition.
                    long factRows = RunQueries.finalMetric(run, "Filter", "number of output rows");
                    return Verdict.of(
                            cartesian && tasks == SIDE_PARTITIONS * SIDE_PARTITIONS && written == 0,
                            "join: %s, widest stage: %d tasks (%d x %d partitions), shuffle written: %d bytes, fact rows produced: %,d",
                            RunQueries.joinStrategy(run),
                            tasks,
                            SIDE_PARTITIONS,
                            SIDE_PARTITIONS,
                            written,
                            factRows);
                }))
                .evidence(operator("broadcast", "BroadcastHashJoin"))
                .evidence(operator("merge", "SortMergeJoin"))
                .evidence(operator("shuffle-hash", "ShuffledHashJoin"))
                .evidence(operator("non-equi", "BroadcastNestedLoopJoin"))
                .evidence(operator("two-hints", "SortMergeJoin"))
                .evidence(Evidence.exchanges("shuffled-sides", Set.of("merge", "shuffle-hash", "two-hints"), 2))
                .primaryFinding("missed-broadcast"));
    }

    private static String hinted(String hints) {
        return VIEWS + "SELECT /*+ " + hints + " */ * FROM facts JOIN dims USING (key)";
    }

    private static Evidence operator(String variant, String join) {
        return Evidence.joinStrategy("operator-" + variant, Set.of(variant), join);
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> facts = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(
                        pmod(col("id"), lit(k.integer("keys"))).as("key"),
                        pmod(col("id"), lit(k.integer("keys") * 10)).as("amount"));
        Dataset<Row> dims = run.spark()
                .range(0, k.integer("keys"), 1, 4)
                .select(
                        col("id").as("key"),
                        col("id").multiply(10).as("lo"),
                        col("id").multiply(10).plus(10).as("hi"));
        Dataset<Row> joined =
                switch (run.variant()) {
                    case "broken", "merge" -> facts.join(dims.hint("merge"), "key"); // broken: a hint left behind
                    case "fixed" -> facts.join(dims, "key"); // no hint: the planner decides on sizes
                    case "shuffle-replicate-nl" -> facts.join(dims.hint("shuffle_replicate_nl"), "key");
                    case "shuffle-hash" -> facts.join(dims.hint("shuffle_hash"), "key");
                    case "non-equi" ->
                        facts.join(
                                dims.hint("broadcast"),
                                facts.col("amount")
                                        .geq(dims.col("lo"))
                                        .and(facts.col("amount").lt(dims.col("hi"))));
                    case "two-hints" -> facts.hint("merge").join(dims.hint("shuffle_hash"), "key");
                    default -> facts.join(dims.hint("broadcast"), "key");
                };
        run.execute(joined);
        // lesson:end
        return k.integer("rows") + " fact rows joined to " + k.integer("keys") + " dimension rows";
    }
}
