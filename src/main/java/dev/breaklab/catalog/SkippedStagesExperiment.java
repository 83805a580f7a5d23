package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.springframework.stereotype.Component;

/** Two actions on one shuffled DataFrame: recomputed from scratch, or served from what already exists. */
@Component
class SkippedStagesExperiment implements Experiment {

    static final String ID = "skipped-stages";
    /** Distinct from the shuffle partition count, so the source-scanning stages can be told apart. */
    static final int SOURCE_PARTITIONS = 6;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Skipped stages: work Spark did not have to redo",
            "A second action on a shuffled DataFrame either recomputes everything or skips the stages whose output exists.",
            List.of(Concept.STAGES, Concept.SHUFFLE, Concept.SPARK_UI),
            """
            A report aggregates events per key, logs how many keys there are with count(), then writes \
            the rows out. Two actions, so two jobs. Many people expect the second job to start from the \
            aggregation the first one already did. It does not: every DataFrame action plans its own \
            query, and count() is a new query (an aggregation on top of yours). The source is scanned and \
            shuffled again, and on a real cluster you pay for the whole lineage twice.

            Shuffle files, however, do outlive the job that wrote them. When a later job needs a shuffle \
            whose map output is still registered, the scheduler does not run that map stage again: the \
            Spark UI lists it, greyed out, as "skipped". Skipped is good news: it is work you did not pay \
            for. You get it when the same executed plan runs again (the same Dataset's collect() twice), \
            when a persisted DataFrame is read (its lineage, shuffles included, is already materialized), \
            and, with adaptive execution on, inside a single query: AQE runs every query stage as a job \
            of its own, and each later job lists the stages that ran before it as skipped.

            In the lab, compare the stage lists of the variants: how many stages scanned the source \
            (they have one task per source partition) and how many are SKIPPED. In the Spark UI, the Jobs \
            page shows "Skipped Stages" per job, and the job's DAG visualization draws skipped stages in \
            grey. The fix for the recomputation is persist() (and unpersist() when done) on a DataFrame \
            that several actions share.""",
            new Code("""
                    // spark.sql.adaptive.enabled=false (aqe-single-action: true), spark.sql.shuffle.partitions=8
                    Dataset<Row> report = spark.range(0, rows, 1, 6)
                        .groupBy(pmod(col("id"), lit(keys)).as("key"))
                        .agg(count(lit(1)).as("events"), sum("id").as("total"), max("id").as("last"));

                    // broken: two actions, two queries, everything computed twice
                    long keysSeen = report.count();
                    report.write().format("noop").mode("overwrite").save();

                    // fixed: persist first; the second action reads what the first one built
                    report.persist(StorageLevel.MEMORY_AND_DISK());
                    long keysSeen = report.count();
                    report.write().format("noop").mode("overwrite").save();
                    report.unpersist(true);

                    // same-plan: the same executed plan twice; its shuffle files are still there
                    report.collectAsList();
                    report.collectAsList();

                    // aqe-single-action: one action with AQE on
                    report.write().format("noop").mode("overwrite").save();""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.shuffle.partitions = 8;

                    CREATE TEMP VIEW report AS
                      SELECT pmod(id, ${keys}) AS key, count(*) AS events, sum(id) AS total, max(id) AS last
                      FROM range(0, ${rows}, 1, 6)
                      GROUP BY pmod(id, ${keys});

                    -- broken: two queries, two full computations
                    SELECT count(*) FROM report;
                    SELECT * FROM report;

                    -- fixed: materialize it once
                    CACHE TABLE report_cached OPTIONS ('storageLevel' 'MEMORY_AND_DISK') AS SELECT * FROM report;
                    SELECT count(*) FROM report_cached;
                    SELECT * FROM report_cached;
                    UNCACHE TABLE report_cached;"""),
            List.of(
                    IntegerKnob.of("rows", "Events", 500_000, 10_000, 50_000_000, "rows", "Rows in the source"),
                    IntegerKnob.of("keys", "Keys", 5_000, 1, 1_000_000, "keys", "Distinct keys in the report")),
            List.of(
                    Variant.of("broken", "count(), then write", "Two actions, two queries: everything runs twice")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of(
                                    "fixed",
                                    "persist(), then count() and write",
                                    "The first action materializes the report; the second reads it and skips its lineage")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of(
                                    "same-plan",
                                    "The same plan twice",
                                    "collect() twice on one Dataset: the second job finds the shuffle files and skips the map stage")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of(
                                    "aqe-single-action",
                                    "One action, AQE on",
                                    "A single write with adaptive execution: skipped stages appear inside one query")
                            .withConf("spark.sql.adaptive.enabled", "true")
                            .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true")
                            .withConf("spark.sql.shuffle.partitions", "8")),
            List.of(
                    Question.number(
                            "skipped", "How many stages will be reported as skipped?", RunQueries::skippedStages),
                    Question.number(
                            "source-scans",
                            "How many stages will scan the source (6 tasks each)?",
                            SkippedStagesExperiment::sourceScans),
                    Question.number("jobs", "How many Spark jobs will the run start?", run -> run.jobs()
                            .size())),
            List.of(
                    Evidence.central(
                            "recomputed",
                            "The second action recomputed everything: two stages scanned and shuffled the source, and no stage was skipped",
                            Set.of("broken"),
                            run -> {
                                long scans = sourceScans(run);
                                long skipped = RunQueries.skippedStages(run);
                                return Verdict.of(
                                        scans >= 2 && skipped == 0,
                                        "source-scanning stages run: %d; skipped stages: %d; shuffle bytes written by them: %s",
                                        scans,
                                        skipped,
                                        Figures.bytes(sourceShuffleWrite(run)));
                            }),
                    Evidence.of(
                            "shuffle-reused",
                            "The source was scanned once: the second job found the earlier output and reported the stage(s) behind it as skipped",
                            Set.of("fixed", "same-plan"),
                            run -> {
                                long scans = sourceScans(run);
                                long skipped = RunQueries.skippedStages(run);
                                return Verdict.of(
                                        scans == 1 && skipped >= 1,
                                        "source-scanning stages run: %d; skipped stages: %d; jobs: %d",
                                        scans,
                                        skipped,
                                        run.jobs().size());
                            }),
                    Evidence.of(
                            "read-from-cache",
                            "The write read the persisted report: its plan scans InMemoryTableScan instead of the source",
                            Set.of("fixed"),
                            run -> {
                                long cachedScans = RunQueries.finalNodes(run, "InMemoryTableScan")
                                        .size();
                                return Verdict.of(
                                        cachedScans >= 2,
                                        "InMemoryTableScan in %d of %d final plans",
                                        cachedScans,
                                        run.finalPlans().size());
                            }),
                    Evidence.of(
                            "aqe-skips-within-a-query",
                            "With AQE one action runs several jobs, and the later ones list the earlier query stages as skipped",
                            Set.of("aqe-single-action"),
                            run -> {
                                long skipped = RunQueries.skippedStages(run);
                                return Verdict.of(
                                        run.sql().size() == 1 && run.jobs().size() >= 2 && skipped >= 1,
                                        "SQL executions: %d, jobs: %d, skipped stages: %d, source scans: %d",
                                        run.sql().size(),
                                        run.jobs().size(),
                                        skipped,
                                        sourceScans(run));
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /** Completed stages with one task per source partition that wrote shuffle data: scans of the source. */
    static long sourceScans(RunSnapshot run) {
        return RunQueries.shuffleMapStages(run).stream()
                .filter(s -> s.numTasks() == SOURCE_PARTITIONS)
                .count();
    }

    static long sourceShuffleWrite(RunSnapshot run) {
        return RunQueries.shuffleMapStages(run).stream()
                .filter(s -> s.numTasks() == SOURCE_PARTITIONS)
                .mapToLong(s -> s.shuffleWriteBytes())
                .sum();
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        Dataset<Row> report = run.spark()
                .range(0, k.integer("rows"), 1, SOURCE_PARTITIONS)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(
                        count(lit(1)).as("events"),
                        sum("id").as("total"),
                        max("id").as("last"));
        run.capture(report);
        switch (run.variant()) {
            case "fixed" -> {
                report.persist(StorageLevel.MEMORY_AND_DISK());
                try {
                    long keys = report.count();
                    run.execute(report);
                    return keys + " keys; the write read the persisted report";
                } finally {
                    // The cache is shared by every session of the lab: never leave it behind.
                    report.unpersist(true);
                }
            }
            case "same-plan" -> {
                int first = run.collect(report).size();
                int second = run.collect(report).size();
                return first + " + " + second + " rows collected from one plan";
            }
            case "aqe-single-action" -> {
                run.execute(report);
                return "one write";
            }
            default -> {
                long keys = report.count();
                run.execute(report);
                return keys + " keys counted, then written: two queries";
            }
        }
    }
}
