package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.timestamp_seconds;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
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
class UnboundedStateExperiment implements Experiment {

    static final String ID = "unbounded-state";
    /** 2026-01-01T00:00:00Z: events carry event times from here on, one minute per batch. */
    static final long BASE_SECONDS = 1_767_225_600L;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Unbounded state: a dedup that remembers everything",
            "dropDuplicates on a stream with no watermark keeps every key forever: state grows batch after batch.",
            List.of(Concept.STREAMING, Concept.MEMORY),
            """
            A streaming deduplication (or aggregation) is stateful: to know whether event 42 is a \
            duplicate, Spark must remember that it has seen 42, in the state store of the partition the \
            key hashes to, checkpointed after every micro-batch. Without a watermark Spark has no way to \
            know when a key can be forgotten: an event with any id could still arrive, so nothing is ever \
            removed. The state grows with every batch, and so do the state store's memory, its \
            checkpoint files and every batch's commit time, until the executors run out of memory days \
            or weeks later. Nothing fails on the first day, which is why this reaches production.

            Here events with fresh ids arrive in every micro-batch (plus a few retried ones), and the \
            per-batch chart shows the state operator's rows total and memory climbing in a straight line \
            while "rows removed" stays at zero.

            The fix is a watermark: withWatermark("eventTime", "10 seconds") tells Spark how late an \
            event may arrive, and dropDuplicatesWithinWatermark (or dropDuplicates on the id and the \
            event time) lets it evict keys once the watermark has passed them. State rows removed becomes \
            non-zero and rows total levels off at roughly what the watermark delay covers.""",
            new Code("""
                    MemoryStream<Long> ids = MemoryStream.apply(spark, Encoders.LONG());
                    Dataset<Row> events = ids.toDF().select(
                        col("value").as("eventId"),
                        timestamp_seconds(lit(BASE).plus(floor(col("value").divide(rowsPerBatch)).multiply(60))
                            .plus(pmod(col("value"), lit(50)))).as("eventTime"));

                    // broken: no watermark, every eventId stays in the state store forever
                    Dataset<Row> deduped = events.dropDuplicates("eventId");
                    // fixed: keys expire once the watermark passes them
                    Dataset<Row> deduped = events.withWatermark("eventTime", watermarkDelaySeconds + " seconds")
                        .dropDuplicatesWithinWatermark("eventId");

                    StreamingQuery query = deduped.writeStream().format("noop").outputMode("append")
                        .option("checkpointLocation", checkpoint).start();
                    for (int b = 0; b < batches; b++) {
                        ids.addData(freshIds(b), retriedIds(b - 1));
                        query.processAllAvailable();                  // one micro-batch
                    }
                    query.stop();""", """
                    -- Streaming SQL has no CREATE STREAM in Spark; the DataFrame above is the query.
                    -- The same logic over a streaming view named events would read:

                    -- broken: the state keeps every eventId forever
                    SELECT DISTINCT eventId FROM events;   -- conceptually: dropDuplicates(eventId)

                    -- fixed: declare how late events may be, then deduplicate within that window
                    -- events.withWatermark('eventTime', '10 seconds').dropDuplicatesWithinWatermark('eventId')"""),
            List.of(
                    IntegerKnob.of("batches", "Micro-batches", 8, 3, 40, "batches", "How many micro-batches to run"),
                    IntegerKnob.of(
                            "rowsPerBatch",
                            "Events per batch",
                            2_000,
                            100,
                            100_000,
                            "events",
                            "Fresh event ids in each micro-batch (plus 10% retried ids of the batch before)"),
                    IntegerKnob.of(
                            "watermarkDelaySeconds",
                            "Watermark delay",
                            10,
                            1,
                            600,
                            "s",
                            "How late an event may be (fixed variant); each batch spans one minute of event time"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "State partitions",
                                    4,
                                    1,
                                    200,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: state store partitions of the query")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    Variant.of("broken", "No watermark", "dropDuplicates(eventId): nothing can ever be forgotten"),
                    Variant.of(
                            "fixed",
                            "Watermark",
                            "withWatermark + dropDuplicatesWithinWatermark: keys expire behind the watermark")),
            List.of(
                    Question.choice(
                            "rows-removed",
                            "Will the state store ever remove a row?",
                            List.of("yes", "no"),
                            run -> run.batches().stream().anyMatch(b -> b.stateRowsRemoved() > 0) ? "yes" : "no"),
                    Question.number(
                            "final-state-rows",
                            "How many rows will the state hold after the last batch?",
                            run -> Streams.last(run.batches()).stateRowsTotal())),
            List.of(
                    Evidence.central(
                            "state-grows",
                            "State rows total rise with every data batch and no state row is ever removed",
                            Set.of("broken"),
                            run -> {
                                List<BatchSnapshot> batches = run.dataBatches();
                                boolean rising = batches.size() >= 3;
                                for (int i = 1; i < batches.size(); i++) {
                                    rising &= batches.get(i).stateRowsTotal()
                                            > batches.get(i - 1).stateRowsTotal();
                                }
                                long removed = run.batches().stream()
                                        .mapToLong(BatchSnapshot::stateRowsRemoved)
                                        .sum();
                                return Verdict.of(
                                        rising && removed == 0,
                                        "state rows per batch %s, rows removed in all %d batches: %d",
                                        Streams.series(batches, BatchSnapshot::stateRowsTotal),
                                        run.batches().size(),
                                        removed);
                            }),
                    Evidence.of(
                            "memory-grows",
                            "The state store's memory grows with the state: last batch uses more than twice the first",
                            Set.of("broken"),
                            run -> {
                                List<BatchSnapshot> batches = run.dataBatches();
                                long first = batches.get(0).stateMemoryUsedBytes();
                                long last = Streams.last(batches).stateMemoryUsedBytes();
                                return Verdict.of(
                                        last > 2 * first,
                                        "state memory %d bytes after the first batch, %d after the last",
                                        first,
                                        last);
                            }),
                    Evidence.of(
                            "state-bounded",
                            "With a watermark, expired keys are removed and the state stays under two batches' worth of keys",
                            Set.of("fixed"),
                            run -> {
                                long perBatch = ((Number) run.knobs().get("rowsPerBatch")).longValue();
                                long removed = run.batches().stream()
                                        .mapToLong(BatchSnapshot::stateRowsRemoved)
                                        .sum();
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
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        int batches = k.intValue("batches");
        long perBatch = k.integer("rowsPerBatch");
        MemoryStream<Long> ids = Streams.longs(run.spark());
        Dataset<Row> events = ids.toDF()
                .select(
                        col("value").as("eventId"),
                        timestamp_seconds(lit(BASE_SECONDS)
                                        .plus(floor(col("value").divide(perBatch))
                                                .multiply(60))
                                        .plus(pmod(col("value"), lit(50))))
                                .as("eventTime"));
        Dataset<Row> deduped = "fixed".equals(run.variant())
                ? events.withWatermark("eventTime", k.integer("watermarkDelaySeconds") + " seconds")
                        .dropDuplicatesWithinWatermark("eventId")
                : events.dropDuplicates("eventId");
        StreamingQuery query = run.start(deduped.writeStream()
                .queryName("dedup_" + run.variant())
                .format("noop")
                .outputMode("append")
                .option("checkpointLocation", run.checkpoint("dedup").toString()));
        for (int b = 0; b < batches; b++) {
            List<Long> values = new ArrayList<>(Streams.range(b * perBatch, (b + 1) * perBatch));
            if (b > 0) {
                // Retries: the producer re-sends the first tenth of the previous batch.
                values.addAll(Streams.range((b - 1) * perBatch, (b - 1) * perBatch + perBatch / 10));
            }
            Streams.add(ids, values);
            Streams.processAll(run, query);
        }
        query.stop();
        return batches + " micro-batches of " + perBatch + " events";
    }
}
