package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** One hot key holds most of the rows: one join task does most of the work while the others wait. */
@Component
class SkewedJoinExperiment extends ExperimentBase {

    SkewedJoinExperiment() {
        super(define("skewed-join", SkewedJoinExperiment.class)
                .concepts(Concept.JOINS, Concept.SHUFFLE, Concept.AQE, Concept.SPARK_UI)
                .sql(LessonTables.SKEWED_VIEWS
                        + "SELECT count(1) AS rows, sum(amount) AS amount FROM facts JOIN dims USING (key)")
                .sql("salted", LessonTables.SKEWED_VIEWS + """
                    SELECT count(1) AS rows, sum(amount) AS amount
                    FROM (SELECT *, pmod(id, ${saltBuckets}) AS salt FROM facts)
                    JOIN (SELECT *, explode(sequence(0L, ${saltBuckets} - 1L)) AS salt FROM dims) USING (key, salt)""")
                .knob(Knobs.rows(2_000_000, 50_000_000))
                .knob(Knobs.hotKeyShare(80))
                .knob(Knobs.dimensionKeys(10_000))
                .knob(Knobs.shufflePartitions(16, 2_000, "tasks in the join stage"))
                .knob(IntegerKnob.of("saltBuckets", 16, 2, 256, "buckets"))
                .variant(Variants.shuffleJoin("broken"))
                .variant(Variants.skewJoin("fixed", "1m"))
                .variant(Variants.skewJoin("aqe-skew-split", "1m"))
                .variant(Variants.shuffleJoin("salted"))
                .question(Questions.joinStrategy(
                        "SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin", "BroadcastNestedLoopJoin"))
                .question(Questions.skewSplit())
                .question(Question.number(
                        "straggler-ratio",
                        run -> Math.round(RunQueries.shuffleReadStage(run)
                                .taskDurationMs()
                                .maxOverMedian())))
                .evidence(Evidence.readSkew("straggler", Set.of("broken"), read -> read >= 5)
                        .and(run -> {
                            double duration = RunQueries.shuffleReadStage(run)
                                    .taskDurationMs()
                                    .maxOverMedian();
                            return Verdict.of(duration >= 5, "slowest task %.1fx the median", duration);
                        })
                        .asCentral())
                .evidence(Evidence.skewSplit("skew-split", Set.of("fixed", "aqe-skew-split")))
                .evidence(Evidence.readSkew("salted-join-keys", Set.of("salted"), read -> read < 5))
                .primaryFinding("skew"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // 16 map partitions: AQE can only split a skewed partition at map-output boundaries.
        Dataset<Row> facts = LessonTables.skewedFacts(
                run.spark(), k.integer("rows"), k.integer("hotKeyShare"), k.integer("keys"), 16);
        Dataset<Row> dims = LessonTables.dimensions(run.spark(), k.integer("keys"));
        Dataset<Row> joined = run.variant().equals("salted")
                ? facts.withColumn("salt", pmod(col("id"), lit(k.integer("saltBuckets"))))
                        .join(
                                dims.withColumn("salt", explode(sequence(lit(0L), lit(k.integer("saltBuckets") - 1)))),
                                new String[] {"key", "salt"})
                : facts.join(dims, "key");
        List<Row> rows =
                run.collect(joined.agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        // lesson:end
        return rows.get(0).getLong(0) + " joined rows";
    }
}
