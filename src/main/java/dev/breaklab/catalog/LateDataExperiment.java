package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.springframework.stereotype.Component;

/**
 * Append mode with a watermark: windows appear only once the watermark passes them, and events
 * later than the watermark are dropped (the scenario of Spark's EventTimeWatermarkSuite).
 */
@Component
class LateDataExperiment extends ExperimentBase {

    LateDataExperiment() {
        super(define("late-data", LateDataExperiment.class)
                .concepts(Concept.STREAMING)
                .knob(IntegerKnob.of("watermarkDelaySeconds", 10, 0, 120, "s"))
                .knob(Knobs.shufflePartitions(2, 200, "state store partitions of the query"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed").withKnob("watermarkDelaySeconds", 30L))
                .variant(Variant.of("update-mode"))
                .question(Question.number(
                        "rows-dropped", run -> Streams.total(run.batches(), BatchSnapshot::rowsDroppedByWatermark)))
                .question(Question.number(
                        "first-output-batch",
                        run -> firstOutput(run).map(BatchSnapshot::batchId).orElse(-1L)))
                .evidence(Evidence.central("late-dropped", Set.of("broken"), dropsLateRows(true, 9)))
                .evidence(Evidence.of("append-waits", Set.of("broken", "fixed"), run -> {
                    BatchSnapshot first = run.batches().get(0);
                    Optional<BatchSnapshot> output = firstOutput(run);
                    long watermark = output.map(b -> b.watermark() == null
                                    ? -1
                                    : Instant.parse(b.watermark()).getEpochSecond())
                            .orElse(-1L);
                    return Verdict.of(
                            first.numInputRows() > 0 && first.sinkOutputRows() == 0 && watermark >= 10,
                            "batch 0: %d rows in, %d out; first output in batch %s with watermark %s",
                            first.numInputRows(),
                            first.sinkOutputRows(),
                            output.map(b -> String.valueOf(b.batchId())).orElse("none"),
                            output.map(BatchSnapshot::watermark).orElse("none"));
                }))
                .evidence(Evidence.of("late-accepted", Set.of("fixed"), dropsLateRows(false, 12)))
                .evidence(Evidence.of("update-emits-early", Set.of("update-mode"), run -> {
                    BatchSnapshot first = run.batches().get(0);
                    return Verdict.of(
                            first.sinkOutputRows() > 0,
                            "batch 0: %d rows in, %d out",
                            first.numInputRows(),
                            first.sinkOutputRows());
                }))
                .evidence(Evidence.of("update-still-drops", Set.of("update-mode"), dropsLateRows(true, 9)))
                .primaryFinding("late-rows-dropped"));
    }

    /**
     * Whether the watermark dropped rows ({@code dropsSome}), and the first window [0 s, 10 s) counted
     * {@code events} of the 12 sent.
     */
    private static Function<RunSnapshot, Verdict> dropsLateRows(boolean dropsSome, long events) {
        return run -> {
            long dropped = Streams.total(run.batches(), BatchSnapshot::rowsDroppedByWatermark);
            long counted = run.measurement("firstWindowCount");
            return Verdict.of(
                    (dropped > 0) == dropsSome && counted == events,
                    "rows dropped by watermark: %d (per batch %s); window [0 s, 10 s) counted %d events of 12 sent",
                    dropped,
                    Streams.series(run.batches(), BatchSnapshot::rowsDroppedByWatermark),
                    counted);
        };
    }

    static Optional<BatchSnapshot> firstOutput(RunSnapshot run) {
        return run.batches().stream().filter(b -> b.sinkOutputRows() > 0).findFirst();
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        // lesson:start
        MemoryStream<Long> seconds = Streams.longs(run.spark());
        Dataset<Row> counts = seconds.toDF()
                .select(timestamp_seconds(col("value")).as("eventTime"))
                .withWatermark("eventTime", k.integer("watermarkDelaySeconds") + " seconds")
                .groupBy(window(col("eventTime"), "10 seconds"))
                .count();
        StreamingQuery query = run.start(counts.writeStream()
                .format("memory")
                .queryName("late_windows")
                .outputMode(run.variant().equals("update-mode") ? "update" : "append")
                .option("checkpointLocation", run.checkpoint("windows").toString()));
        // event times in seconds, one list per micro-batch
        for (List<Long> batch : List.of(
                List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 11L, 12L), // nine events for [0 s, 10 s)
                List.of(15L, 25L),
                List.of(3L, 4L, 5L, 35L), // three more for [0 s, 10 s)
                List.of(50L),
                List.of(80L))) {
            Streams.add(seconds, batch);
            Streams.processAll(run, query);
        }
        query.stop();
        // The memory sink is a table of the session. In update mode a window appears once per update,
        // its last (largest) count being its final one.
        Row first = run.spark()
                .table("late_windows")
                .where(col("window.start").equalTo(timestamp_seconds(lit(0))))
                .agg(max("count"))
                .collectAsList()
                .get(0);
        long firstWindow = first.isNullAt(0) ? 0 : first.getLong(0);
        run.measure("firstWindowCount", firstWindow);
        // lesson:end
        return run.spark().table("late_windows").count() + " window rows in the sink; window [0 s, 10 s) counted "
                + firstWindow + " events";
    }
}
