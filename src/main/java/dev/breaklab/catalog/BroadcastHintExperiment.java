package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A small dimension joined by shuffling the big fact table, when a broadcast would skip the shuffle. */
@Component
class BroadcastHintExperiment extends ExperimentBase {

    private static final String VIEWS = """
            CREATE TEMP VIEW facts AS
              SELECT pmod(id, ${keys}) AS key, pmod(id, 1000) AS amount FROM range(0, ${rows}, 1, 8);
            CREATE TEMP VIEW dims AS SELECT id AS key, concat('name-', CAST(id AS STRING)) AS name FROM range(${keys});
            """;

    BroadcastHintExperiment() {
        super(define("broadcast-hint", BroadcastHintExperiment.class)
                .concepts(Concept.JOINS, Concept.SHUFFLE, Concept.STAGES)
                .sql(VIEWS + "SELECT * FROM facts JOIN dims USING (key)")
                .sql("fixed", VIEWS + "SELECT /*+ BROADCAST(dims) */ * FROM facts JOIN dims USING (key)")
                .knob(Knobs.rows(2_000_000, 50_000_000))
                .knob(IntegerKnob.of("keys", 10_000, 10, 1_000_000, "rows"))
                .knob(Knobs.shufflePartitions(8, 2_000, "tasks of the sort-merge join stage"))
                .variant(threshold("broken", "-1"))
                .variant(threshold("fixed", "-1"))
                .variant(threshold("auto-broadcast", "10m"))
                .question(Questions.joinStrategy("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"))
                .question(Questions.stagesRun())
                .evidence(Evidence.central("shuffle-join", Set.of("broken"), run -> {
                    String join = RunQueries.joinStrategy(run);
                    long exchanges = RunQueries.exchanges(run);
                    long written = RunQueries.shuffleWritten(run);
                    return Verdict.of(
                            join.equals("SortMergeJoin") && exchanges >= 2 && written > 0,
                            "join: %s, shuffle exchanges: %d, shuffle written: %s",
                            join,
                            exchanges,
                            Figures.bytes(written));
                }))
                .evidence(Evidence.of("broadcast-join", Set.of("fixed", "auto-broadcast"), run -> {
                    String join = RunQueries.joinStrategy(run);
                    boolean exchange = RunQueries.finalHas(run, "BroadcastExchange");
                    long written = RunQueries.shuffleWritten(run);
                    return Verdict.of(
                            join.equals("BroadcastHashJoin") && exchange && written == 0,
                            "join: %s, BroadcastExchange: %s, shuffle written: %d bytes",
                            join,
                            exchange ? "yes" : "no",
                            written);
                }))
                .evidence(Evidence.stagesRun("stage-saved", Set.of("fixed", "auto-broadcast"), 2))
                .primaryFinding("missed-broadcast"));
    }

    /** AQE off (the plan chosen up front), with {@code threshold} as spark.sql.autoBroadcastJoinThreshold. */
    private static Variant threshold(String name, String threshold) {
        return Variants.aqeOff(name).withConf("spark.sql.autoBroadcastJoinThreshold", threshold);
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> facts = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .select(
                        pmod(col("id"), lit(k.integer("keys"))).as("key"),
                        pmod(col("id"), lit(1000)).as("amount"));
        Dataset<Row> dims = LessonTables.dimensions(run.spark(), k.integer("keys"));
        // fixed: a BROADCAST hint on the dimension
        run.execute(facts.join(run.variant().equals("fixed") ? broadcast(dims) : dims, "key"));
        // lesson:end
        return k.integer("rows") + " fact rows joined to " + k.integer("keys") + " dimension rows";
    }
}
