package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.springframework.stereotype.Component;

/** Two actions on one shuffled DataFrame: recomputed from scratch, or served from what already exists. */
@Component
class SkippedStagesExperiment extends ExperimentBase {

    /** The report as a view, then each variant's actions as queries. */
    private static final String REPORT = """
            CREATE TEMP VIEW report AS
              SELECT pmod(id, ${keys}) AS key, count(1) AS events, sum(id) AS total, max(id) AS last
              FROM range(0, ${rows}, 1, 6)
              GROUP BY pmod(id, ${keys});
            """;

    SkippedStagesExperiment() {
        super(define("skipped-stages", SkippedStagesExperiment.class)
                .concepts(Concept.STAGES, Concept.SHUFFLE, Concept.SPARK_UI)
                .sql(REPORT + "SELECT count(1) FROM report;\nSELECT * FROM report")
                .sql("fixed", REPORT + """
                    CACHE LAZY TABLE report OPTIONS ('storageLevel' 'MEMORY_AND_DISK');
                    SELECT count(1) FROM report;
                    SELECT * FROM report;
                    UNCACHE TABLE report""")
                .sql("same-plan", REPORT + """
                    -- SQL plans every statement anew, so the second query computes everything again: only the
                    -- same Dataset run twice (the Java tab) finds its shuffle files and skips the map stage.
                    SELECT * FROM report;
                    SELECT * FROM report""")
                .sql("aqe-single-action", REPORT + "SELECT * FROM report")
                .knob(Knobs.rows(500_000, 50_000_000))
                .knob(IntegerKnob.of("keys", 5_000, 1, 1_000_000, "keys"))
                .knob(Knobs.shufflePartitions(8, 200, "tasks after the report's shuffle"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .variant(Variants.aqeOff("same-plan"))
                .variant(Variants.aqeOn("aqe-single-action")
                        .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true"))
                .question(Question.number("skipped", RunQueries::skippedStages))
                .question(Question.number(
                        "source-scans", run -> RunQueries.sourceMapStages(run).size()))
                .question(Question.number("jobs", run -> run.jobs().size()))
                .evidence(Evidence.central("recomputed", Set.of("broken"), run -> {
                    List<StageSnapshot> scans = RunQueries.sourceMapStages(run);
                    long skipped = RunQueries.skippedStages(run);
                    return Verdict.of(
                            scans.size() >= 2 && skipped == 0,
                            "source-scanning stages run: %d; skipped stages: %d; shuffle bytes written by them: %s",
                            scans.size(),
                            skipped,
                            Figures.bytes(scans.stream()
                                    .mapToLong(StageSnapshot::shuffleWriteBytes)
                                    .sum()));
                }))
                .evidence(Evidence.of("shuffle-reused", Set.of("fixed", "same-plan"), run -> {
                    int scans = RunQueries.sourceMapStages(run).size();
                    long skipped = RunQueries.skippedStages(run);
                    return Verdict.of(
                            scans == 1 && skipped >= 1,
                            "source-scanning stages run: %d; skipped stages: %d; jobs: %d",
                            scans,
                            skipped,
                            run.jobs().size());
                }))
                .evidence(Evidence.of("read-from-cache", Set.of("fixed"), run -> {
                    long cachedScans =
                            RunQueries.finalNodes(run, "InMemoryTableScan").size();
                    return Verdict.of(
                            cachedScans >= 2,
                            "InMemoryTableScan in %d of %d final plans",
                            cachedScans,
                            run.finalPlans().size());
                }))
                .evidence(Evidence.of("aqe-skips-within-a-query", Set.of("aqe-single-action"), run -> {
                    long skipped = RunQueries.skippedStages(run);
                    return Verdict.of(
                            run.sql().size() == 1 && run.jobs().size() >= 2 && skipped >= 1,
                            "SQL executions: %d, jobs: %d, skipped stages: %d, source scans: %d",
                            run.sql().size(),
                            run.jobs().size(),
                            skipped,
                            RunQueries.sourceMapStages(run).size());
                }))
                .primaryFinding("recomputation"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> report = run.spark()
                .range(0, k.integer("rows"), 1, 6)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(
                        count(lit(1)).as("events"),
                        sum("id").as("total"),
                        max("id").as("last"));
        // lesson:end
        run.capture(report);
        // lesson:start
        switch (run.variant()) {
            case "fixed" -> { // persisted: the second action reads what the first one built
                report.persist(StorageLevel.MEMORY_AND_DISK());
                try {
                    report.count();
                    run.execute(report);
                } finally {
                    report.unpersist(true);
                }
            }
            case "same-plan" -> { // the same Dataset, so the same executed plan, twice
                run.collect(report);
                run.collect(report);
            }
            case "aqe-single-action" -> run.execute(report);
            default -> { // two actions, two queries
                report.count();
                run.execute(report);
            }
        }
        // lesson:end
        return "report computed by " + run.variant();
    }
}
