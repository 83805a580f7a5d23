package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.SparkMetricText;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** Count the stages before the run: one per shuffle, plus the last one. A stray repartition() adds one. */
@Component
class StageCountExperiment extends ExperimentBase {

    /** The query; the broken variant's repartition(8) is the hint in the events subquery. */
    private static final String SQL = """
            WITH events AS (
              SELECT %spmod(id, ${users}) AS user, pmod(id, 100) AS amount
              FROM range(0, ${rows}, 1, 4)
              WHERE pmod(id, 10) <> 0),
            per_user AS (SELECT user, sum(amount) AS total FROM events GROUP BY user),
            segments AS (SELECT id AS user, pmod(id, 5) AS segment FROM range(0, ${users}, 1, 2))
            SELECT segment, count(1) AS users, sum(total) AS total
            FROM per_user JOIN segments USING (user)
            GROUP BY segment""";

    StageCountExperiment() {
        super(define("stage-count", StageCountExperiment.class)
                .concepts(Concept.STAGES, Concept.SHUFFLE, Concept.SPARK_UI)
                .sql(SQL.formatted(""))
                .sql("broken", SQL.formatted("/*+ REPARTITION(8) */ "))
                .knob(Knobs.rows(200_000, 20_000_000))
                .knob(IntegerKnob.of("users", 10_000, 10, 1_000_000, "users"))
                .knob(Knobs.shufflePartitions(8, 200, "tasks of every stage after a shuffle"))
                .variant(Variants.shuffleJoin("broken"))
                .variant(Variants.shuffleJoin("fixed"))
                .variant(Variants.aqeOff("broadcast").withConf("spark.sql.autoBroadcastJoinThreshold", "10m"))
                .question(Questions.stagesRun())
                .question(Questions.exchanges())
                .question(Questions.tasks("last-stage-tasks", "last", run -> RunQueries.lastStage(run)
                        .orElseThrow()))
                .evidence(Evidence.central("needless-shuffle", Set.of("broken"), run -> {
                    List<PlanNode> roundRobin =
                            RunQueries.finalNodes(run, "Exchange", n -> n.marked("RoundRobinPartitioning"));
                    long moved = roundRobin.stream()
                            .mapToLong(n -> SparkMetricText.orZero(n, "shuffle records written"))
                            .sum();
                    long rows = RunQueries.knob(run, "rows");
                    long filtered = rows - (rows + 9) / 10;
                    long stages = RunQueries.stagesRun(run);
                    return Verdict.of(
                            !roundRobin.isEmpty() && moved >= filtered && stages == 5,
                            "round-robin Exchange: %s, rows it shuffled: %s of %s filtered rows; stages run: %d",
                            roundRobin.isEmpty() ? "no" : "yes",
                            Figures.count(moved),
                            Figures.count(filtered),
                            stages);
                }))
                .evidence(Evidence.of(
                        "stage-per-shuffle",
                        Set.of("broken", "fixed"),
                        run -> Verdict.of(
                                run.jobs().size() == 1 && RunQueries.stagesRun(run) == RunQueries.exchanges(run) + 1,
                                "%d shuffle Exchanges, %d stages run, %d job(s)",
                                RunQueries.exchanges(run),
                                RunQueries.stagesRun(run),
                                run.jobs().size())))
                .evidence(Evidence.of("join-reuses-partitioning", Set.of("broken", "fixed"), run -> {
                    long byUser = RunQueries.finalNodes(
                                    run, "Exchange", n -> n.named("Exchange") && n.marked("hashpartitioning(user#"))
                            .size();
                    return Verdict.of(
                            byUser == 2 && RunQueries.joinStrategy(run).equals("SortMergeJoin"),
                            "join: %s; Exchanges hash-partitioning by user: %d (group-by side + segments side)",
                            RunQueries.joinStrategy(run),
                            byUser);
                }))
                .evidence(Evidence.of("broadcast-no-shuffle", Set.of("broadcast"), run -> {
                    boolean broadcast = RunQueries.finalHas(run, "BroadcastExchange");
                    long exchanges = RunQueries.exchanges(run);
                    return Verdict.of(
                            broadcast && exchanges == 2 && run.jobs().size() >= 2,
                            "BroadcastExchange: %s, shuffle Exchanges: %d, jobs: %d, stages run: %d",
                            broadcast ? "yes" : "no",
                            exchanges,
                            run.jobs().size(),
                            RunQueries.stagesRun(run));
                }))
                .primaryFinding("extra-shuffle"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> events = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .filter(pmod(col("id"), lit(10)).notEqual(0)) // narrow
                .select(
                        pmod(col("id"), lit(k.integer("users"))).as("user"),
                        pmod(col("id"), lit(100)).as("amount"));
        if (run.variant().equals("broken")) {
            events = events.repartition(8); // "for parallelism": a shuffle nothing downstream needs
        }
        Dataset<Row> perUser = events.groupBy("user").agg(sum("amount").as("total")); // shuffle
        Dataset<Row> segments = run.spark()
                .range(0, k.integer("users"), 1, 2)
                .select(col("id").as("user"), pmod(col("id"), lit(5)).as("segment"));
        Dataset<Row> query = perUser.join(segments, "user") // perUser is already partitioned by user
                .groupBy("segment") // shuffle
                .agg(count(lit(1)).as("users"), sum("total").as("total"));
        run.execute(query);
        // lesson:end
        return "events summed per user, then per segment";
    }
}
