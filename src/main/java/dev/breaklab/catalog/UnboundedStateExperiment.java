package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunQueries;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.springframework.stereotype.Component;

/** Streaming dedup without a watermark: the state store keeps every key it ever saw. */
@Component
class UnboundedStateExperiment extends ExperimentBase {

    UnboundedStateExperiment() {
        super(define("unbounded-state", UnboundedStateExperiment.class)
                .concepts(Concept.STREAMING, Concept.MEMORY)
                .knob(Knobs.batches(8, 3, 40, "How many micro-batches to run"))
                .knob(IntegerKnob.of("rowsPerBatch", 2_000, 100, 100_000, "events"))
                .knob(IntegerKnob.of("watermarkDelaySeconds", 10, 1, 600, "s"))
                .knob(Knobs.shufflePartitions(4, 200, "state store partitions of the query"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Questions.yesNo(
                        "rows-removed", run -> Streams.total(run.batches(), BatchSnapshot::stateRowsRemoved) > 0))
                .question(Question.number(
                        "final-state-rows", run -> Streams.last(run.batches()).stateRowsTotal()))
                .evidence(Evidence.central("state-grows", Set.of("broken"), run -> {
                    List<BatchSnapshot> batches = run.dataBatches();
                    boolean rising = batches.size() >= 3;
                    for (int i = 1; i < batches.size(); i++) {
                        rising &= batches.get(i).stateRowsTotal()
                                > batches.get(i - 1).stateRowsTotal();
                    }
                    long removed = Streams.total(run.batches(), BatchSnapshot::stateRowsRemoved);
                    return Verdict.of(
                            rising && removed == 0,
                            "state rows per batch %s, rows removed in all %d batches: %d",
                            Streams.series(batches, BatchSnapshot::stateRowsTotal),
                            run.batches().size(),
                            removed);
                }))
                .evidence(Evidence.of("memory-grows", Set.of("broken"), run -> {
                    long first = run.dataBatches().get(0).stateMemoryUsedBytes();
                    long last = Streams.last(run.dataBatches()).stateMemoryUsedBytes();
                    return Verdict.of(
                            last > 2 * first,
                            "state memory %d bytes after the first batch, %d after the last",
                            first,
                            last);
                }))
                .evidence(Evidence.of("state-bounded", Set.of("fixed"), run -> {
                    long perBatch = RunQueries.knob(run, "rowsPerBatch");
                    long removed = Streams.total(run.batches(), BatchSnapshot::stateRowsRemoved);
                    long max = run.batches().stream()
                            .mapToLong(BatchSnapshot::stateRowsTotal)
                            .max()
                            .orElse(0);
                    return Verdict.of(
                            removed > 0
                                    && max <= 2 * perBatch
                                    && run.dataBatches().size() >= 3,
                            "rows removed %d, largest state %d rows (%d per batch), state rows per batch %s",
                            removed,
                            max,
                            perBatch,
                            Streams.series(run.batches(), BatchSnapshot::stateRowsTotal));
                }))
                .primaryFinding("unbounded-state"));
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        // lesson:start
        long perBatch = k.integer("rowsPerBatch");
        MemoryStream<Long> ids = Streams.longs(run.spark());
        Dataset<Row> events = ids.toDF()
                .select(
                        col("value").as("eventId"),
                        // batch b's events fall in minute b after 2026-01-01T00:00:00Z
                        timestamp_seconds(lit(1_767_225_600L)
                                        .plus(floor(col("value").divide(perBatch))
                                                .multiply(60))
                                        .plus(pmod(col("value"), lit(50))))
                                .as("eventTime"));
        Dataset<Row> deduped = run.variant().equals("fixed")
                ? events.withWatermark("eventTime", k.integer("watermarkDelaySeconds") + " seconds")
                        .dropDuplicatesWithinWatermark("eventId")
                : events.dropDuplicates("eventId"); // no watermark: every eventId stays in the state
        StreamingQuery query = run.start(deduped.writeStream()
                .queryName("dedup_" + run.variant())
                .format("noop")
                .outputMode("append")
                .option("checkpointLocation", run.checkpoint("dedup").toString()));
        for (int b = 0; b < k.intValue("batches"); b++) {
            List<Long> values = new ArrayList<>(Streams.range(b * perBatch, (b + 1) * perBatch));
            if (b > 0) { // retries: the producer re-sends the first tenth of the batch before
                values.addAll(Streams.range((b - 1) * perBatch, (b - 1) * perBatch + perBatch / 10));
            }
            Streams.add(ids, values);
            Streams.processAll(run, query);
        }
        query.stop();
        // lesson:end
        return k.intValue("batches") + " micro-batches of " + perBatch + " events";
    }
}
