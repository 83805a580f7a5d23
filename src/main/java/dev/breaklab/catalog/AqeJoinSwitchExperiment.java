package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A filter makes one side tiny, but only at runtime: static planning shuffles and sorts it anyway. */
@Component
class AqeJoinSwitchExperiment extends ExperimentBase {

    AqeJoinSwitchExperiment() {
        super(define("aqe-join-switch", AqeJoinSwitchExperiment.class)
                .concepts(Concept.AQE, Concept.JOINS, Concept.SHUFFLE)
                .sql("""
                    CREATE TEMP VIEW facts AS
                      SELECT pmod(id, ${dimRows}) AS key, id AS amount FROM range(0, ${rows}, 1, 8);
                    CREATE TEMP VIEW dims AS
                      SELECT * FROM (SELECT id AS key, concat('name-', CAST(id AS STRING)) AS name,
                                            pmod(xxhash64(id), 100) AS bucket
                                     FROM range(${dimRows}))
                      WHERE bucket < ${keepPercent};
                    SELECT * FROM facts JOIN dims USING (key)""")
                .knob(Knobs.rows(1_000_000, 50_000_000))
                .knob(Knobs.dimRows(
                        200_000, 1_000, 10_000_000, "Rows before the filter: what the planner estimates from"))
                .knob(IntegerKnob.of("keepPercent", 1, 0, 100, "%"))
                .knob(IntegerKnob.of("broadcastThreshold", 1 << 20, -1, 100 << 20, "bytes")
                        .conf("spark.sql.autoBroadcastJoinThreshold"))
                .knob(Knobs.shufflePartitions(8, 2_000, "tasks of the sort-merge join"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOn("fixed").withConf("spark.sql.adaptive.localShuffleReader.enabled", "true"))
                .variant(
                        Variants.aqeOn("threshold-off").withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1"))
                .question(Questions.joinStrategy("SortMergeJoin", "BroadcastHashJoin", "ShuffledHashJoin"))
                .question(Questions.joinSwitches())
                .evidence(Evidence.central("stuck-with-merge", Set.of("broken", "threshold-off"), run -> {
                    String initial = RunQueries.initialJoinStrategy(run);
                    String last = RunQueries.joinStrategy(run);
                    long sorts = RunQueries.finalSorts(run);
                    return Verdict.of(
                            initial.equals("SortMergeJoin") && last.equals("SortMergeJoin") && sorts == 2,
                            "planned: %s, ran: %s, Sort operators: %d",
                            initial,
                            last,
                            sorts);
                }))
                .evidence(Evidence.joinSwitched(
                        "switched-to-broadcast", Set.of("fixed"), "SortMergeJoin", "BroadcastHashJoin"))
                .evidence(Evidence.finalPlanHas("local-read", Set.of("fixed"), "AQEShuffleRead", "local"))
                .evidence(Evidence.of("small-at-runtime", Set.of("broken", "fixed", "threshold-off"), run -> {
                    long smallest = RunQueries.shuffleMapStages(run).stream()
                            .mapToLong(StageSnapshot::shuffleWriteBytes)
                            .min()
                            .orElse(-1);
                    return Verdict.of(
                            smallest >= 0 && smallest < 1_048_576,
                            "smallest shuffle write of a map stage: %d bytes",
                            smallest);
                }))
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
                        concat(lit("name-"), col("id").cast("string")).as("name"),
                        pmod(xxhash64(col("id")), lit(100)).as("bucket"))
                // Without column statistics the planner cannot estimate how much this filter keeps. (bucket is
                // computed from the key, so Spark infers the same filter for the fact side.) xxhash64, not
                // hash(): the kept keys must not line up with the shuffle's Murmur3 partitions.
                .where(col("bucket").lt(k.integer("keepPercent")));
        run.execute(facts.join(dims, "key"));
        // lesson:end
        return k.integer("rows") + " fact rows joined to ~" + k.integer("keepPercent") + "% of " + k.integer("dimRows")
                + " dimension rows";
    }
}
