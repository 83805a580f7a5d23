package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A capstone: one slow join stage with two causes at once, a hot key and a join buffer that spills. */
@Component
class MysterySlowStageExperiment extends ExperimentBase {

    /** The straggler bar shared with the skew lessons and the skew finding's default ratio. */
    private static final double SKEWED = 5;

    MysterySlowStageExperiment() {
        super(define("mystery-slow-stage", MysterySlowStageExperiment.class)
                .concepts(Concept.JOINS, Concept.SHUFFLE, Concept.MEMORY, Concept.AQE, Concept.SPARK_UI)
                .sql(LessonTables.SKEWED_VIEWS
                        + "SELECT count(1) AS rows, sum(amount) AS amount FROM dims JOIN facts USING (key)")
                .knob(Knobs.rows(300_000, 20_000_000))
                .knob(Knobs.hotKeyShare(60))
                .knob(Knobs.dimensionKeys(10_000))
                .knob(Knobs.shufflePartitions(16, 2_000, "tasks in the join stage"))
                .variant(smallBuffers(Variants.shuffleJoin("broken")))
                .variant(Variants.skewJoin("fixed", "128k"))
                .variant(smallBuffers(Variants.skewJoin("split-only", "128k")))
                .variant(Variants.shuffleJoin("buffers-only"))
                .question(Question.choice(
                        "causes", List.of("skew", "spill", "both", "neither"), MysterySlowStageExperiment::causes))
                .question(Question.choice(
                        "slow-stage",
                        List.of("a map stage (scan and shuffle write)", "the join stage", "the final aggregation"),
                        MysterySlowStageExperiment::slowestStage))
                .question(Questions.yesNo("spills", run -> RunQueries.diskSpilled(run) > 0))
                .question(Questions.skewSplit())
                .evidence(Evidence.readSkew("skew-and-spill", Set.of("broken"), read -> read >= SKEWED)
                        .and(MysterySlowStageExperiment::joinStageSpilled)
                        .asCentral())
                .evidence(Evidence.finalMetricAboveZero(
                        "join-spill-metric", Set.of("broken", "split-only"), "SortMergeJoin", "spill size"))
                .evidence(Evidence.skewSplit("skew-split", Set.of("fixed", "split-only")))
                .evidence(Evidence.readSkew("split-still-spills", Set.of("split-only"), read -> read < SKEWED)
                        .and(MysterySlowStageExperiment::joinStageSpilled))
                .evidence(Evidence.readSkew("sized-still-skewed", Set.of("buffers-only"), read -> read >= SKEWED)
                        .and(MysterySlowStageExperiment::noSpill))
                .evidence(Evidence.readSkew("neither", Set.of("fixed"), read -> read < SKEWED)
                        .and(MysterySlowStageExperiment::noSpill))
                .primaryFinding("skew"));
    }

    private static Variant smallBuffers(Variant variant) {
        return variant.withConf("spark.sql.sortMergeJoinExec.buffer.in.memory.threshold", "1024")
                .withConf("spark.sql.sortMergeJoinExec.buffer.spill.threshold", "4096");
    }

    private static String causes(RunSnapshot run) {
        boolean skew = RunQueries.shuffleReadStage(run).taskShuffleReadBytes().maxOverMedian() >= SKEWED;
        boolean spill = RunQueries.diskSpilled(run) > 0;
        return skew && spill ? "both" : skew ? "skew" : spill ? "spill" : "neither";
    }

    private static String slowestStage(RunSnapshot run) {
        StageSnapshot join = RunQueries.shuffleReadStage(run);
        StageSnapshot slowest = run.completedStages().stream()
                .max((a, b) -> Long.compare(duration(a), duration(b)))
                .orElseThrow();
        if (slowest.stageId() == join.stageId()) {
            return "the join stage";
        }
        return slowest.shuffleReadBytes() > 0 ? "the final aggregation" : "a map stage (scan and shuffle write)";
    }

    private static long duration(StageSnapshot stage) {
        return stage.durationMs() == null ? 0 : stage.durationMs();
    }

    private static Verdict joinStageSpilled(RunSnapshot run) {
        StageSnapshot stage = RunQueries.shuffleReadStage(run);
        return Verdict.of(
                stage.memorySpilledBytes() > 0 && stage.diskSpilledBytes() > 0,
                "stage %d spilled %s from memory, %s on disk",
                stage.stageId(),
                Figures.bytes(stage.memorySpilledBytes()),
                Figures.bytes(stage.diskSpilledBytes()));
    }

    private static Verdict noSpill(RunSnapshot run) {
        return Verdict.of(
                RunQueries.memorySpilled(run) == 0 && RunQueries.diskSpilled(run) == 0,
                "memory spill %s, disk spill %s over %d stages",
                Figures.bytes(RunQueries.memorySpilled(run)),
                Figures.bytes(RunQueries.diskSpilled(run)),
                run.completedStages().size());
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // 16 map partitions: AQE can only split a skewed partition at map-output boundaries.
        Dataset<Row> facts = LessonTables.skewedFacts(
                run.spark(), k.integer("rows"), k.integer("hotKeyShare"), k.integer("keys"), 16);
        Dataset<Row> dims = LessonTables.dimensions(run.spark(), k.integer("keys"));
        // dims streams, facts is the buffered side: the join holds every fact row of the current key.
        List<Row> rows = run.collect(dims.join(facts, "key")
                .agg(count(lit(1)).as("rows"), sum("amount").as("amount")));
        // lesson:end
        return rows.get(0).getLong(0) + " joined rows";
    }
}
