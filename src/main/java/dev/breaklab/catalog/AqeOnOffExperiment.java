package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** One query, AQE off and on: the static plan runs as written, the adaptive one is rewritten stage by stage. */
@Component
class AqeOnOffExperiment extends ExperimentBase {

    AqeOnOffExperiment() {
        super(define("aqe-on-off", AqeOnOffExperiment.class)
                .concepts(Concept.AQE, Concept.STAGES, Concept.SPARK_UI)
                .sql("""
                    SELECT d.category, count(1) AS n, sum(f.amount) AS total
                    FROM (SELECT pmod(id, ${dimRows}) AS key, id AS amount FROM range(0, ${rows}, 1, 8)) f
                    JOIN (SELECT * FROM (SELECT id AS key, concat('cat-', pmod(id, 20)) AS category,
                                                pmod(xxhash64(id), 100) AS bucket FROM range(${dimRows}))
                          WHERE bucket < 1) d
                      ON f.key = d.key
                    GROUP BY d.category""")
                .knob(Knobs.rows(1_000_000, 50_000_000))
                .knob(Knobs.dimRows(200_000, 1_000, 10_000_000, "Dimension rows before the ~1% filter"))
                .knob(Knobs.shufflePartitions(200, 2_000, "what the static plan uses for every shuffle"))
                .variant(Variants.aqeOff("broken").withConf("spark.sql.autoBroadcastJoinThreshold", "1m"))
                .variant(Variants.aqeOn("fixed")
                        .withConf("spark.sql.autoBroadcastJoinThreshold", "1m")
                        .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                        .withConf("spark.sql.adaptive.localShuffleReader.enabled", "true"))
                .question(Questions.yesNo(
                        "plan-changes", run -> RunQueries.aqeUpdates(run) > 0 && RunQueries.aqeChangedPlan(run)))
                .question(Questions.jobs())
                .question(Questions.joinStrategy("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"))
                .evidence(Evidence.central(
                        "static-plan",
                        Set.of("broken"),
                        run -> Verdict.of(
                                RunQueries.aqeUpdates(run) == 0
                                        && RunQueries.joinStrategy(run).equals("SortMergeJoin")
                                        && RunQueries.widestStageTasks(run) >= 100,
                                "AQE plan updates: %d, join: %s, widest stage: %d tasks",
                                RunQueries.aqeUpdates(run),
                                RunQueries.joinStrategy(run),
                                RunQueries.widestStageTasks(run))))
                .evidence(Evidence.of(
                        "one-job",
                        Set.of("broken"),
                        run -> Verdict.of(
                                run.jobs().size() == 1, "jobs: %d", run.jobs().size())))
                .evidence(Evidence.joinSwitched("replanned", Set.of("fixed"), "SortMergeJoin", "BroadcastHashJoin")
                        .and(run -> Verdict.of(
                                RunQueries.finalHas(run, "AQEShuffleRead") && RunQueries.aqeUpdates(run) > 0,
                                "AQEShuffleRead: %s",
                                RunQueries.finalHas(run, "AQEShuffleRead") ? "yes" : "no")))
                .evidence(Evidence.of(
                        "stage-jobs",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                run.jobs().size() >= 2 && RunQueries.widestStageTasks(run) < 100,
                                "jobs: %d, widest stage: %d tasks",
                                run.jobs().size(),
                                RunQueries.widestStageTasks(run))))
                .primaryFinding("missed-broadcast"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> facts = LessonTables.uniformFacts(run.spark(), k.integer("rows"), k.integer("dimRows"), 8);
        Dataset<Row> dims = run.spark()
                .range(k.integer("dimRows"))
                .select(
                        col("id").as("key"),
                        concat(lit("cat-"), pmod(col("id"), lit(20)).cast("string"))
                                .as("category"),
                        pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                .where(col("bucket").lt(1)); // about 1% of the rows: the planner's size estimate cannot see it
        Dataset<Row> query = facts.join(dims, "key")
                .groupBy("category")
                .agg(count(lit(1)).as("n"), sum("amount").as("total"));
        run.execute(query);
        // lesson:end
        return k.integer("rows") + " fact rows joined and grouped into 20 categories";
    }
}
