package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SparkMetricText;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A join on "either key": no equality Spark can hash on alone, so every pair of rows is tested. */
@Component
class NestedLoopJoinExperiment extends ExperimentBase {

    static final String ID = "nested-loop-join";

    private static final String VIEWS = """
            CREATE OR REPLACE TEMP VIEW facts AS
              SELECT id, pmod(id, ${keys} * 2) AS k1, pmod(id * 7, ${keys} * 2) AS k2 FROM range(0, ${rows}, 1, 4);
            CREATE OR REPLACE TEMP VIEW dims AS SELECT id AS key, id * 3 AS v FROM range(0, ${keys}, 1, 1);
            """;

    NestedLoopJoinExperiment() {
        super(define(ID, NestedLoopJoinExperiment.class)
                .concepts(Concept.JOINS, Concept.STAGES, Concept.SPARK_UI)
                .sql(VIEWS + "SELECT f.id, d.key, d.v FROM facts f JOIN dims d ON f.k1 = d.key OR f.k2 = d.key")
                .sql("fixed", VIEWS + """
                    SELECT f.id, d.key, d.v FROM facts f JOIN dims d ON f.k1 = d.key
                    UNION ALL
                    SELECT f.id, d.key, d.v FROM facts f JOIN dims d ON f.k2 = d.key WHERE NOT (f.k1 <=> f.k2)""")
                .knob(Knobs.rows(100_000, 5_000_000))
                .knob(IntegerKnob.of("keys", 500, 1, 100_000, "rows"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .variant(Variant.of("too-big-to-broadcast").withConf("spark.sql.autoBroadcastJoinThreshold", "-1"))
                .question(Questions.anyJoinStrategy())
                .question(Question.number("rows-out", NestedLoopJoinExperiment::rowsOut))
                .evidence(Evidence.central("nested-loop", Set.of("broken"), run -> {
                    List<PlanNode> loops = RunQueries.finalNodes(run, "BroadcastNestedLoopJoin");
                    if (loops.isEmpty()) {
                        return Verdict.of(false, "join: %s", RunQueries.joinStrategy(run));
                    }
                    PlanNode loop = loops.get(0);
                    long streamed = inputRows(loop.children().get(0));
                    long broadcast = inputRows(loop.children().get(1));
                    return Verdict.of(
                            streamed * broadcast >= 10_000_000L,
                            "%s: %,d streamed rows x %,d broadcast rows = %,d pairs tested for %,d rows out",
                            loop.nodeName(),
                            streamed,
                            broadcast,
                            streamed * broadcast,
                            rowsOut(run));
                }))
                .evidence(Evidence.of(
                        "cartesian",
                        Set.of("too-big-to-broadcast"),
                        run -> Verdict.of(
                                RunQueries.finalHas(run, "CartesianProduct"),
                                "join: %s, %,d rows out",
                                RunQueries.joinStrategy(run),
                                rowsOut(run))))
                .evidence(Evidence.of("two-hash-joins", Set.of("fixed"), run -> {
                    long hash = RunQueries.countFinal(run, n -> n.joinOperator()
                            .filter(j -> j.endsWith("HashJoin") || j.equals("SortMergeJoin"))
                            .isPresent());
                    boolean loop = RunQueries.finalHas(run, "BroadcastNestedLoopJoin")
                            || RunQueries.finalHas(run, "CartesianProduct");
                    return Verdict.of(hash == 2 && !loop, "key-based joins: %d, nested loop: %s", hash, loop);
                }))
                .evidence(Evidence.of("same-rows", Set.of("broken", "fixed", "too-big-to-broadcast"), run -> {
                    long expected = expectedRows(RunQueries.knob(run, "rows"), RunQueries.knob(run, "keys"));
                    long out = rowsOut(run);
                    return Verdict.of(out == expected, "%,d rows out, %,d pairs match the OR", out, expected);
                }))
                .primaryFinding("cross-join"));
    }

    /** Rows an input of the join produced: the first operator of its subtree that counts its rows. */
    static long inputRows(PlanNode input) {
        return input.stream()
                .map(n -> SparkMetricText.value(n, "number of output rows"))
                .filter(OptionalLong::isPresent)
                .mapToLong(OptionalLong::getAsLong)
                .findFirst()
                .orElse(0);
    }

    /** Rows out of the run's joins, from their "number of output rows" (both halves of the union). */
    static long rowsOut(RunSnapshot run) {
        return RunQueries.finalOperators(run).stream()
                .filter(n -> n.joinOperator().isPresent())
                .mapToLong(n -> SparkMetricText.orZero(n, "number of output rows"))
                .sum();
    }

    /** The pairs matching k1 = key OR k2 = key, counted from the keys the facts are built with. */
    static long expectedRows(long rows, long keys) {
        long matches = 0;
        for (long id = 0; id < rows; id++) {
            long k1 = Math.floorMod(id, keys * 2);
            long k2 = Math.floorMod(id * 7, keys * 2);
            matches += k1 < keys ? 1 : 0;
            matches += k2 < keys && k2 != k1 ? 1 : 0;
        }
        return matches;
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long keys = k.integer("keys");
        Dataset<Row> facts = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(
                        col("id"),
                        pmod(col("id"), lit(keys * 2)).as("k1"),
                        pmod(col("id").multiply(7), lit(keys * 2)).as("k2"));
        Dataset<Row> dims = run.spark()
                .range(0, keys, 1, 1)
                .select(col("id").as("key"), col("id").multiply(3).as("v"));
        Column[] out = {facts.col("id"), dims.col("key"), dims.col("v")};
        Dataset<Row> joined = run.variant().equals("fixed")
                ? facts.join(dims, facts.col("k1").equalTo(dims.col("key")))
                        .select(out)
                        .unionAll(facts.where(not(facts.col("k1").eqNullSafe(facts.col("k2"))))
                                .join(dims, facts.col("k2").equalTo(dims.col("key")))
                                .select(out))
                : facts.join(
                                dims,
                                facts.col("k1")
                                        .equalTo(dims.col("key"))
                                        .or(facts.col("k2").equalTo(dims.col("key"))))
                        .select(out);
        run.execute(joined);
        // lesson:end
        return k.integer("rows") + " facts joined to " + keys + " keys";
    }
}
