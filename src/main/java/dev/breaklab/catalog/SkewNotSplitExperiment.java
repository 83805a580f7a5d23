package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A skewed join followed by a groupBy on the join key: AQE sees the skew and declines to split it. */
@Component
class SkewNotSplitExperiment extends ExperimentBase {

    SkewNotSplitExperiment() {
        super(define("skew-not-split", SkewNotSplitExperiment.class)
                .concepts(Concept.AQE, Concept.JOINS, Concept.SHUFFLE)
                .sql(LessonTables.SKEWED_VIEWS + """
                    SELECT key, count(1) AS rows, sum(amount) AS amount
                    FROM facts JOIN dims USING (key)
                    GROUP BY key""")
                .sql(
                        "no-aggregate",
                        LessonTables.SKEWED_VIEWS
                                + "SELECT count(1) AS rows, sum(amount) AS amount FROM facts JOIN dims USING (key)")
                .knob(Knobs.rows(1_000_000, 50_000_000))
                .knob(Knobs.hotKeyShare(80))
                .knob(Knobs.dimensionKeys(10_000))
                .knob(Knobs.shufflePartitions(8, 200, "tasks in the join stage before any split"))
                .variant(skewJoin("broken", false))
                .variant(skewJoin("fixed", true))
                .variant(skewJoin("no-aggregate", false))
                .question(Questions.skewSplit())
                .question(Questions.exchanges())
                .evidence(Evidence.readSkew("declined", Set.of("broken"), read -> read >= 5)
                        .and(run -> {
                            boolean split = RunQueries.finalPlanHas(run, "SortMergeJoin", "skew=true");
                            return Verdict.of(!split, "SortMergeJoin(skew=true): %s", split ? "yes" : "no");
                        })
                        .asCentral())
                .evidence(Evidence.exchanges("aggregate-rides-on-join", Set.of("broken"), 2))
                .evidence(Evidence.skewSplit("forced-split", Set.of("fixed"))
                        .and(run -> Verdict.of(
                                RunQueries.exchanges(run) == 3, "shuffle Exchanges: %d", RunQueries.exchanges(run))))
                .evidence(
                        Evidence.finalPlanHas("split-when-free", Set.of("no-aggregate"), "SortMergeJoin", "skew=true"))
                .primaryFinding("aqe-skew-declined"));
    }

    /** AQE skew join with thresholds lowered to the lab's small data; forced or not to add a shuffle. */
    private static Variant skewJoin(String name, boolean force) {
        return Variants.skewJoin(name, "256k")
                .withConf("spark.sql.adaptive.forceOptimizeSkewedJoin", Boolean.toString(force));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // 16 map partitions: AQE can only split a skewed partition at map-output boundaries.
        Dataset<Row> facts = LessonTables.skewedFacts(
                run.spark(), k.integer("rows"), k.integer("hotKeyShare"), k.integer("keys"), 16);
        Dataset<Row> dims = LessonTables.dimensions(run.spark(), k.integer("keys"));
        Dataset<Row> joined = facts.join(dims, "key");
        if (run.variant().equals("no-aggregate")) {
            run.collect(joined.agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        } else {
            // groupBy the join key: the join's output is already partitioned by it, no shuffle of its own
            run.execute(joined.groupBy("key")
                    .agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        }
        // lesson:end
        return "joined rows aggregated";
    }
}
