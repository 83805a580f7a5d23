package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * A shuffled hash join whose build side does not fit the executor: each build partition must be
 * held in memory as a hash map, which cannot spill. On the local cluster's small executors Spark
 * fails the task with its own SparkOutOfMemoryError, four times, and the job fails. More partitions
 * or a sort-merge join (which spills) succeed. Needs separate executors of a known, small size.
 */
@Component
class ExecutorOomExperiment extends ExperimentBase {

    static final String ID = "executor-oom";

    ExecutorOomExperiment() {
        super(define(ID, ExecutorOomExperiment.class)
                .concepts(Concept.MEMORY, Concept.JOINS, Concept.FAULTS)
                .requires(Requires.CLUSTER)
                .sql("""
                    SELECT /*+ SHUFFLE_HASH(b) */ count(*) AS n
                    FROM (SELECT id AS key FROM range(0, ${probeRows}, 1, 2)) p
                    JOIN (SELECT id AS key, lpad(CAST(id AS STRING), 64, 'x') AS payload
                          FROM range(0, ${rows}, 1, 4)) b
                    ON p.key = b.key""")
                .sql("sort-merge", """
                    SELECT /*+ MERGE(b) */ count(*) AS n
                    FROM (SELECT id AS key FROM range(0, ${probeRows}, 1, 2)) p
                    JOIN (SELECT id AS key, lpad(CAST(id AS STRING), 64, 'x') AS payload
                          FROM range(0, ${rows}, 1, 4)) b
                    ON p.key = b.key""")
                .knob(Knobs.rows(3_000_000, 20_000_000))
                .knob(Knob.IntegerKnob.of("probeRows", 100_000, 1_000, 10_000_000, "rows"))
                .knob(Knobs.shufflePartitions(2, 400, "the join's tasks: how the build side is split"))
                .variant(Variants.aqeOff("broken").withConf("spark.sql.autoBroadcastJoinThreshold", "-1"))
                .variant(Variants.aqeOff("fixed")
                        .withKnob("shufflePartitions", 16)
                        .withConf("spark.sql.autoBroadcastJoinThreshold", "-1"))
                .variant(Variants.aqeOff("sort-merge").withConf("spark.sql.autoBroadcastJoinThreshold", "-1"))
                .question(Questions.outcome("Will the join succeed?"))
                .question(Questions.yesNo(
                        "executor-survives",
                        run -> run.stages().stream().allMatch(s -> s.failedTasks() == 0) || !jvmOom(run)))
                .evidence(Evidence.central(
                        "spark-oom",
                        Set.of("broken"),
                        run -> Verdict.of(
                                run.status() == RunStatus.FAILED && sparkOom(run),
                                "status %s; %d failed task attempt(s); %s",
                                run.status(),
                                failedTasks(run),
                                firstLine(failure(run)))))
                .evidence(Evidence.of(
                        "hash-join",
                        Set.of("broken", "fixed"),
                        run -> Verdict.of(
                                RunQueries.joinStrategy(run).contains("ShuffledHashJoin"),
                                "join: %s",
                                RunQueries.joinStrategy(run))))
                .evidence(Evidence.of(
                        "joined",
                        Set.of("fixed", "sort-merge"),
                        run -> Verdict.of(
                                run.status() == RunStatus.SUCCEEDED && failedTasks(run) == 0,
                                "status %s; %d failed task attempt(s); %s",
                                run.status(),
                                failedTasks(run),
                                run.result())))
                .evidence(Evidence.of(
                        "sort-merge-join",
                        Set.of("sort-merge"),
                        run -> Verdict.of(
                                RunQueries.joinStrategy(run).contains("SortMergeJoin"),
                                "join: %s",
                                RunQueries.joinStrategy(run))))
                .primaryFinding("out-of-memory"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        String hint = run.variant().equals("sort-merge") ? "MERGE" : "SHUFFLE_HASH";
        Dataset<Row> probe = run.spark()
                .range(0, k.integer("probeRows"), 1, 2)
                .select(col("id").as("key"));
        Dataset<Row> build = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .select(
                        col("id").as("key"),
                        lpad(col("id").cast("string"), 64, "x").as("payload"));
        // The hint decides the join: SHUFFLE_HASH holds each build partition in a hash map.
        Dataset<Row> joined = probe.join(build.hint(hint), "key").agg(org.apache.spark.sql.functions.count(lit(1)));
        List<Row> rows = run.collect(joined);
        // lesson:end
        return rows.get(0).getLong(0) + " rows joined";
    }

    private static long failedTasks(RunSnapshot run) {
        return run.stages().stream().mapToLong(StageSnapshot::failedTasks).sum();
    }

    private static String failure(RunSnapshot run) {
        return run.stages().stream()
                .map(StageSnapshot::failureReason)
                .filter(reason -> reason != null && !reason.isBlank())
                .findFirst()
                .orElse(run.error() == null ? "no failure" : run.error().message());
    }

    private static boolean sparkOom(RunSnapshot run) {
        String failure = failure(run);
        return failure.contains("SparkOutOfMemoryError") || failure.contains("not enough memory to build hash map");
    }

    private static boolean jvmOom(RunSnapshot run) {
        return failure(run).contains("java.lang.OutOfMemoryError");
    }

    private static String firstLine(String text) {
        int cut = text.indexOf('\n');
        String line = cut < 0 ? text : text.substring(0, cut);
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
