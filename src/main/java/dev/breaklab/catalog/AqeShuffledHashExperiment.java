package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Post-shuffle partitions small enough to hash, sorted anyway: AQE can swap the merge join for a hash join. */
@Component
class AqeShuffledHashExperiment extends ExperimentBase {

    AqeShuffledHashExperiment() {
        super(define("aqe-shuffled-hash", AqeShuffledHashExperiment.class)
                .concepts(Concept.AQE, Concept.JOINS, Concept.MEMORY)
                .sql("""
                    SELECT f.key, f.amount, d.name
                    FROM (SELECT pmod(id, ${dimRows}) AS key, id AS amount FROM range(0, ${rows}, 1, 8)) f
                    JOIN (SELECT id AS key, concat('name-', id) AS name FROM range(0, ${dimRows}, 1, 8)) d
                      ON f.key = d.key""")
                .knob(Knobs.rows(500_000, 50_000_000))
                .knob(Knobs.dimRows(100_000, 1_000, 10_000_000, "Rows in the dimension"))
                .knob(IntegerKnob.of("localMapThreshold", 0, 0, 1_073_741_824, "bytes")
                        .conf("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold"))
                .knob(Knobs.shufflePartitions(8, 200, "partitions on each side of the join"))
                .variant(pinned("broken"))
                .variant(pinned("fixed").withKnob("localMapThreshold", 64L * 1024 * 1024))
                .question(Questions.joinStrategy("SortMergeJoin", "ShuffledHashJoin", "BroadcastHashJoin"))
                .question(Question.number("sorts", RunQueries::finalSorts))
                .evidence(Evidence.joinStrategy("still-sorting", Set.of("broken"), "SortMergeJoin")
                        .and(run -> Verdict.of(
                                RunQueries.finalSorts(run) == 2,
                                "Sort operators: %d, sort time: %d ms",
                                RunQueries.finalSorts(run),
                                RunQueries.finalMetric(run, "Sort", "sort time")))
                        .asCentral())
                .evidence(Evidence.joinSwitched("hashed", Set.of("fixed"), "SortMergeJoin", "ShuffledHashJoin")
                        .and(run -> Verdict.of(
                                RunQueries.finalSorts(run) == 0, "Sort operators: %d", RunQueries.finalSorts(run))))
                .evidence(Evidence.of(
                        "both-shuffled",
                        Set.of("broken", "fixed"),
                        run -> Verdict.of(
                                RunQueries.shuffleMapStageCount(run) == 2,
                                "map stages writing shuffle data: %d",
                                RunQueries.shuffleMapStageCount(run))))
                .primaryFinding("sort-merge-avoidable"));
    }

    /** AQE on, broadcasting off on both paths, no coalescing or skew handling: only the join may change. */
    private static Variant pinned(String name) {
        return Variants.aqeOn(name)
                .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64m")
                .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                .withConf("spark.sql.adaptive.skewJoin.enabled", "false");
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> facts = LessonTables.uniformFacts(run.spark(), k.integer("rows"), k.integer("dimRows"), 8);
        Dataset<Row> dims = run.spark()
                .range(0, k.integer("dimRows"), 1, 8)
                .select(
                        col("id").as("key"),
                        concat(lit("name-"), col("id").cast("string")).as("name"));
        run.execute(facts.join(dims, "key"));
        // lesson:end
        return k.integer("rows") + " fact rows joined to " + k.integer("dimRows") + " dimension rows";
    }
}
