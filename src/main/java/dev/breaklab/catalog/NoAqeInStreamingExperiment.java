package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StateOperatorSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.springframework.stereotype.Component;

/**
 * AQE is on, yet every micro-batch of a streaming aggregation runs spark.sql.shuffle.partitions
 * state tasks: streaming queries are not adaptive, and the partition count is fixed by the checkpoint.
 */
@Component
class NoAqeInStreamingExperiment extends ExperimentBase {

    /** The only state store 4.2.0's offline repartition accepts (HDFS-backed: UNSUPPORTED_PROVIDER). */
    private static final String ROCKSDB = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";

    /** The partition count the repartitioned variant moves its state to. */
    // the lesson code writes it as a literal: its snippet compiles without the lab
    private static final int REPARTITIONED = 4;

    NoAqeInStreamingExperiment() {
        super(define("no-aqe-in-streaming", NoAqeInStreamingExperiment.class)
                .concepts(Concept.STREAMING, Concept.AQE, Concept.PARTITIONS)
                .knob(Knobs.shufflePartitions(
                        48, 400, "when the query first starts (Spark's default: 200); the checkpoint keeps it"))
                .knob(Knobs.batches(2, 2, 20, "Micro-batches to run (per start)"))
                .knob(Knobs.rowsPerBatch(1_000))
                .variant(Variants.aqeOn("broken"))
                .variant(Variants.aqeOn("fixed").withKnob("shufflePartitions", 4L))
                .variant(Variants.aqeOn("too-late"))
                .variant(Variants.aqeOn("repartitioned")
                        .withConf("spark.sql.streaming.stateStore.providerClass", ROCKSDB))
                .question(Question.number("state-tasks", run -> stateTasks(run, Streams.last(run.dataBatches()))))
                .question(Questions.yesNo("coalesced", run -> !run.dataBatches().stream()
                        .allMatch(b -> stateTasks(run, b) == RunQueries.knob(run, "shufflePartitions"))))
                .evidence(Evidence.central("not-coalesced", Set.of("broken"), run -> {
                    List<BatchSnapshot> batches = run.dataBatches();
                    long configured = RunQueries.knob(run, "shufflePartitions");
                    return Verdict.of(
                            batches.size() >= 2
                                    && configured >= 32
                                    && batches.stream().allMatch(b -> stateTasks(run, b) == configured),
                            "AQE %s, shuffle partitions %d; state tasks per batch %s",
                            run.conf().get("spark.sql.adaptive.enabled"),
                            configured,
                            Streams.series(batches, b -> stateTasks(run, b)));
                }))
                .evidence(Evidence.of("few-tasks", Set.of("fixed"), run -> {
                    List<BatchSnapshot> batches = run.dataBatches();
                    return Verdict.of(
                            !batches.isEmpty() && batches.stream().allMatch(b -> stateTasks(run, b) == 4),
                            "state tasks per batch %s",
                            Streams.series(batches, b -> stateTasks(run, b)));
                }))
                .evidence(Evidence.of("checkpoint-wins", Set.of("too-late"), run -> {
                    List<BatchSnapshot> restart = Streams.dataOfStart(run, 1);
                    long configured = RunQueries.knob(run, "shufflePartitions");
                    return Verdict.of(
                            !restart.isEmpty()
                                    && restart.stream()
                                            .allMatch(b -> statePartitions(b) == configured
                                                    && stateTasks(run, b) == configured),
                            "session setting after the stop: 4; restarted batches' state partitions %s, state tasks %s",
                            Streams.series(restart, NoAqeInStreamingExperiment::statePartitions),
                            Streams.series(restart, b -> stateTasks(run, b)));
                }))
                .evidence(Evidence.of("repartitioned-offline", Set.of("repartitioned"), run -> {
                    List<BatchSnapshot> before = Streams.dataOfStart(run, 0);
                    List<BatchSnapshot> after = Streams.dataOfStart(run, 1);
                    long configured = RunQueries.knob(run, "shufflePartitions");
                    return Verdict.of(
                            !before.isEmpty()
                                    && !after.isEmpty()
                                    && before.stream().allMatch(b -> statePartitions(b) == configured)
                                    && after.stream()
                                            .allMatch(b -> statePartitions(b) == REPARTITIONED
                                                    && stateTasks(run, b) == REPARTITIONED)
                                    && Streams.last(after).stateRowsTotal() == 10,
                            "state partitions before %s, after %s; state tasks after %s; state rows after %d",
                            Streams.series(before, NoAqeInStreamingExperiment::statePartitions),
                            Streams.series(after, NoAqeInStreamingExperiment::statePartitions),
                            Streams.series(after, b -> stateTasks(run, b)),
                            after.isEmpty() ? 0 : Streams.last(after).stateRowsTotal());
                }))
                .primaryFinding("tiny-tasks"));
    }

    /** Tasks of the widest stage Spark ran for the batch: the post-shuffle state stage. */
    static long stateTasks(RunSnapshot run, BatchSnapshot batch) {
        return run.stages().stream()
                .filter(s -> batch.stageIds().contains(s.stageId()))
                .mapToLong(StageSnapshot::numTasks)
                .max()
                .orElse(0);
    }

    /** The shuffle partitions the batch's state operators reported (the checkpoint's count). */
    static long statePartitions(BatchSnapshot batch) {
        return batch.stateOperators().stream()
                .mapToLong(StateOperatorSnapshot::numShufflePartitions)
                .max()
                .orElse(0);
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        // lesson:start
        long next = 0;
        MemoryStream<Long> ids = Streams.longs(run.spark());
        Dataset<Row> counts =
                ids.toDF().groupBy(pmod(col("value"), lit(10)).as("group")).count();
        DataStreamWriter<Row> writer = counts.writeStream()
                .format("noop")
                .outputMode("update")
                .option("checkpointLocation", run.checkpoint("groups").toString());
        boolean restarts = run.variant().equals("too-late") || run.variant().equals("repartitioned");
        for (int start = 0; start < (restarts ? 2 : 1); start++) {
            if (start == 1 && run.variant().equals("too-late")) {
                // changed after the first run: the restart still uses the partition count in the checkpoint
                run.spark().conf().set("spark.sql.shuffle.partitions", "4");
            }
            if (start == 1 && run.variant().equals("repartitioned")) {
                // Spark 4.2's offline state repartition of the stopped query (internal in 4.2.0, RocksDB only)
                ((org.apache.spark.sql.classic.SparkSession) run.spark())
                        .streamingCheckpointManager()
                        .repartition(
                                run.checkpoint("groups").toString(),
                                4,
                                true); // REPARTITIONED, what the evidence checks
            }
            StreamingQuery query = run.start(writer);
            for (int b = 0; b < k.intValue("batches"); b++, next += k.integer("rowsPerBatch")) {
                Streams.add(ids, Streams.range(next, next + k.integer("rowsPerBatch")));
                Streams.processAll(run, query);
            }
            query.stop();
        }
        // lesson:end
        return next / k.integer("rowsPerBatch") + " micro-batches of " + k.integer("rowsPerBatch") + " rows";
    }
}
