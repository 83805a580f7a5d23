package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A left join on a key that is mostly NULL: every NULL hashes to the same partition. */
@Component
class NullKeySkewExperiment extends ExperimentBase {

    private static final String COMMON = """
            CREATE TEMP VIEW orders AS
              SELECT id,
                     CASE WHEN pmod(id, 100) < ${nullShare} THEN NULL
                          ELSE CAST(pmod(hash(id), ${customers}) AS BIGINT) END AS customer,
                     pmod(id, 1000) AS amount
              FROM range(0, ${rows}, 1, 8);
            CREATE TEMP VIEW people AS
              SELECT id AS customerId, concat('customer-', id) AS name FROM range(${customers});
            SELECT count(1) AS orders, count(name) AS known, sum(amount) AS amount
            """;

    NullKeySkewExperiment() {
        super(define("null-key-skew", NullKeySkewExperiment.class)
                .concepts(Concept.JOINS, Concept.SHUFFLE, Concept.SPARK_UI)
                .sql(COMMON + "FROM orders LEFT JOIN people ON customer = customerId")
                .sql("fixed", COMMON + """
                    FROM orders LEFT JOIN people
                      ON coalesce(customer, -1 - pmod(id, ${saltBuckets})) = customerId""")
                .sql("inner-join", COMMON + "FROM orders JOIN people ON customer = customerId")
                .knob(Knobs.rows(600_000, 50_000_000))
                .knob(IntegerKnob.of("nullShare", 60, 0, 99, "%"))
                .knob(IntegerKnob.of("customers", 10_000, 10, 1_000_000, "rows"))
                .knob(IntegerKnob.of("saltBuckets", 64, 2, 1_024, "keys"))
                .knob(Knobs.shufflePartitions(8, 2_000, "tasks in the join stage"))
                .variant(Variants.shuffleJoin("broken"))
                .variant(Variants.shuffleJoin("fixed"))
                .variant(Variants.shuffleJoin("inner-join"))
                .variant(Variants.skewJoin("aqe-splits", "1m"))
                .question(Questions.yesNo("one-task-most", run -> biggestShare(RunQueries.shuffleReadStage(run)) > 0.5))
                .question(Questions.readRatio("join"))
                .evidence(Evidence.readSkew("null-partition", Set.of("broken"), read -> read >= 5)
                        .asCentral())
                .evidence(Evidence.readSkew("spread", Set.of("fixed"), read -> read < 2))
                .evidence(Evidence.readSkew("inner-drops-nulls", Set.of("inner-join"), read -> read < 2)
                        .and(run -> {
                            long rows = RunQueries.knob(run, "rows");
                            long share = RunQueries.knob(run, "nullShare");
                            long nulls = rows / 100 * share + Math.min(rows % 100, share);
                            long written = RunQueries.shuffleMapStages(run).stream()
                                    .mapToLong(StageSnapshot::shuffleWriteRecords)
                                    .max()
                                    .orElse(0);
                            return Verdict.of(
                                    written == rows - nulls,
                                    "orders side shuffled %s of %s rows (%s have no customer)",
                                    Figures.count(written),
                                    Figures.count(rows),
                                    Figures.count(nulls));
                        }))
                .evidence(Evidence.skewSplit("aqe-splits-left-outer", Set.of("aqe-splits"))
                        .and(run -> {
                            StageSnapshot stage = RunQueries.shuffleReadStage(run);
                            long partitions = RunQueries.knob(run, "shufflePartitions");
                            return Verdict.of(
                                    stage.numTasks() > partitions,
                                    "join stage %d ran %d tasks for %d shuffle partitions",
                                    stage.stageId(),
                                    stage.numTasks(),
                                    partitions);
                        }))
                .primaryFinding("skew"));
    }

    /** The biggest task's share of the stage's shuffle read. */
    private static double biggestShare(StageSnapshot stage) {
        return stage.shuffleReadBytes() == 0
                ? 0
                : (double) stage.taskShuffleReadBytes().max() / stage.shuffleReadBytes();
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> orders = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .select(
                        col("id"),
                        when(
                                        pmod(col("id"), lit(100)).lt(k.integer("nullShare")),
                                        lit(null).cast("long"))
                                .otherwise(pmod(hash(col("id")), lit(k.integer("customers")))
                                        .cast("long"))
                                .as("customer"),
                        pmod(col("id"), lit(1000)).as("amount"));
        Dataset<Row> people = run.spark()
                .range(k.integer("customers"))
                .select(
                        col("id").as("customerId"),
                        concat(lit("customer-"), col("id")).as("name"));
        // fixed: each NULL gets one of saltBuckets negative keys, which match no customer
        Column key = run.variant().equals("fixed")
                ? coalesce(col("customer"), lit(-1L).minus(pmod(col("id"), lit(k.integer("saltBuckets")))))
                : col("customer");
        String joinType = run.variant().equals("inner-join") ? "inner" : "left";
        Row row = run.collect(orders.join(people, key.equalTo(col("customerId")), joinType)
                        .agg(
                                count(lit(1)).as("orders"),
                                count("name").as("known"),
                                sum("amount").as("amount")))
                .get(0);
        // lesson:end
        return row.getLong(0) + " orders, " + row.getLong(1) + " with a known customer";
    }
}
