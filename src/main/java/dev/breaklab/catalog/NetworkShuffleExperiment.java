package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Requires;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/**
 * On a cluster a shuffle crosses the network: a reduce task reads only the blocks of its own
 * executor locally and fetches the rest from the others. Shuffling raw rows sends most of the data
 * over the wire; aggregating before the exchange sends almost nothing.
 */
@Component
class NetworkShuffleExperiment extends ExperimentBase {

    static final String ID = "network-shuffle";

    NetworkShuffleExperiment() {
        super(define(ID, NetworkShuffleExperiment.class)
                .concepts(Concept.SHUFFLE, Concept.STAGES, Concept.SPARK_UI)
                .requires(Requires.CLUSTER)
                .sql("broken", """
                    SELECT key, count(1) AS n, max(payload) AS top
                    FROM (SELECT /*+ REPARTITION(${shufflePartitions}, key) */ pmod(id, 1000) AS key,
                                 sha2(CAST(id AS STRING), 256) AS payload
                          FROM range(0, ${rows}, 1, 8))
                    GROUP BY key""")
                .sql("""
                    SELECT pmod(id, 1000) AS key, count(1) AS n, max(sha2(CAST(id AS STRING), 256)) AS top
                    FROM range(0, ${rows}, 1, 8)
                    GROUP BY pmod(id, 1000)""")
                .knob(Knobs.rows(1_000_000, 20_000_000))
                .knob(Knobs.shufflePartitions(8, 200, "the reduce tasks"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed"))
                .question(
                        Questions.yesNo("quarter-remote", run -> remoteShare(RunQueries.shuffleReadStage(run)) >= 0.25))
                .evidence(Evidence.central("mostly-remote", Set.of("broken"), run -> {
                    StageSnapshot read = RunQueries.shuffleReadStage(run);
                    double share = remoteShare(read);
                    return Verdict.of(
                            read.shuffleRemoteBytesRead() >= 8L * 1024 * 1024 && share >= 0.25,
                            "stage %d: %s remote, %s local (%s remote) on %d executor(s)",
                            read.stageId(),
                            Figures.bytes(read.shuffleRemoteBytesRead()),
                            Figures.bytes(read.shuffleReadBytes() - read.shuffleRemoteBytesRead()),
                            Figures.percent(share),
                            executors(run));
                }))
                .evidence(Evidence.of("little-travels", Set.of("fixed"), run -> {
                    StageSnapshot read = RunQueries.shuffleReadStage(run);
                    return Verdict.of(
                            read.shuffleReadBytes() < 2 * 1024 * 1024,
                            "stage %d: %s shuffle read, %s of it remote",
                            read.stageId(),
                            Figures.bytes(read.shuffleReadBytes()),
                            Figures.bytes(read.shuffleRemoteBytesRead()));
                }))
                .primaryFinding("network-shuffle"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> rows = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .select(
                        pmod(col("id"), lit(1000)).as("key"),
                        sha2(col("id").cast("string"), 256).as("payload"));
        if (run.variant().equals("broken")) {
            // Every raw row crosses the exchange; the aggregation comes after it.
            rows = rows.repartition((int) k.integer("shufflePartitions"), col("key"));
        }
        Dataset<Row> perKey =
                rows.groupBy("key").agg(count(lit(1)).as("n"), max("payload").as("top"));
        long keys = run.collect(perKey).size();
        // lesson:end
        return keys + " keys";
    }

    private static double remoteShare(StageSnapshot stage) {
        return stage.shuffleReadBytes() == 0 ? 0 : (double) stage.shuffleRemoteBytesRead() / stage.shuffleReadBytes();
    }

    private static long executors(RunSnapshot run) {
        return run.executors().stream()
                .filter(e -> !e.executorId().equals("driver") && e.tasks() > 0)
                .count();
    }
}
