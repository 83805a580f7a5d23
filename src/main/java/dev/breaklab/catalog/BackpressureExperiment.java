package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.expr;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.telemetry.RunSnapshot;
import dev.breaklab.telemetry.RunSnapshot.BatchSnapshot;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.springframework.stereotype.Component;

/**
 * A rate source produces rows faster than the query can process them: batches get longer than the
 * trigger and bigger each time. A cap on the source rate keeps them steady. Real time, on purpose.
 */
@Component
class BackpressureExperiment implements Experiment {

    static final String ID = "backpressure";

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Backpressure: a source faster than the query",
            "Input rate above processing rate: every batch is longer than the trigger and bigger than the last.",
            List.of(Concept.STREAMING, Concept.SPARK_UI),
            """
            A micro-batch query with a processing-time trigger of 500 ms promises nothing about \
            finishing in 500 ms. Each batch takes everything the source has accumulated since the last \
            one. When rows arrive faster than the query can process them, a batch takes longer than the \
            trigger, the next batch has even more rows waiting, takes longer still, and latency grows \
            without bound. Structured Streaming has no automatic backpressure: the query falls behind \
            until it runs out of memory or the source's retention expires.

            The streaming query's progress says it plainly: inputRowsPerSecond (how fast rows arrived) \
            above processedRowsPerSecond (how fast this batch got through them), and a batch duration \
            above the trigger interval. Here a rate source emits rows at a fixed rate in real time and \
            each row costs some CPU; the run lasts a few seconds of wall time.

            The fix is to bound each batch: maxOffsetsPerTrigger (Kafka), maxFilesPerTrigger / \
            maxBytesPerTrigger (files), rowsPerSecond for the rate source, plus enough cores and a \
            trigger interval the query can actually keep. Then input and processing rates meet and \
            every batch ends within its trigger.""",
            new Code("""
                    Dataset<Row> rows = spark.readStream().format("rate")
                        .option("rowsPerSecond", rowsPerSecond)   // broken: 200000, fixed: 2000
                        .option("numPartitions", 2)
                        .load();
                    // some CPU per row: workPerRow rounds of hashing
                    Dataset<Row> work = rows.select(expr(
                        "aggregate(sequence(1, " + workPerRow + "), cast(value AS INT), (acc, x) -> hash(acc, x))")
                        .as("h"));
                    StreamingQuery query = work.writeStream().format("noop")
                        .trigger(Trigger.ProcessingTime(triggerMs))
                        .option("checkpointLocation", checkpoint).start();
                    Thread.sleep(seconds * 1000);   // the run is bounded in wall time
                    query.stop();""", """
                    -- Over a streaming view of the rate source:
                    SELECT aggregate(sequence(1, ${workPerRow}), CAST(value AS INT), (acc, x) -> hash(acc, x)) AS h
                    FROM rate;
                    -- The cap is a source option, not SQL: rowsPerSecond (rate), maxOffsetsPerTrigger (Kafka),
                    -- maxFilesPerTrigger (files)."""),
            List.of(
                    IntegerKnob.of(
                            "rowsPerSecond",
                            "Source rate",
                            200_000,
                            100,
                            2_000_000,
                            "rows/s",
                            "Rows the rate source emits per second (fixed variant: 2,000)"),
                    IntegerKnob.of(
                            "workPerRow", "Work per row", 1_000, 1, 10_000, "hash rounds", "CPU spent on each row"),
                    IntegerKnob.of("triggerMs", "Trigger interval", 500, 100, 10_000, "ms", "Processing-time trigger"),
                    IntegerKnob.of(
                            "seconds",
                            "Run for",
                            8,
                            3,
                            300,
                            "s",
                            "Wall-clock time the query runs before the lab stops it")),
            List.of(
                    Variant.of("broken", "Uncapped source", "200,000 rows/s into a query that cannot keep up"),
                    Variant.of("fixed", "Capped source", "The source is capped at 2,000 rows/s")
                            .withKnob("rowsPerSecond", 2_000L)
                            .withKnob("triggerMs", 1_000L)),
            List.of(
                    Question.choice(
                            "keeps-up",
                            "Will the query keep up with its source?",
                            List.of("yes", "no"),
                            run -> lagging(run).isEmpty() ? "yes" : "no"),
                    Question.number(
                            "longest-batch",
                            "How long will the longest micro-batch take, in seconds (rounded)?",
                            run -> Math.round(run.batches().stream()
                                            .mapToLong(BatchSnapshot::batchDurationMs)
                                            .max()
                                            .orElse(0)
                                    / 1000.0))),
            List.of(
                    Evidence.central(
                            "falls-behind",
                            "The source outruns the query: after the first batch, input rate exceeds processing rate and batches take longer than the trigger interval",
                            Set.of("broken"),
                            run -> {
                                List<BatchSnapshot> lagging = lagging(run);
                                long trigger = trigger(run);
                                long longest = afterFirst(run).stream()
                                        .mapToLong(BatchSnapshot::batchDurationMs)
                                        .max()
                                        .orElse(0);
                                return Verdict.of(
                                        !lagging.isEmpty() && longest > trigger,
                                        "%d of %d batches with input rate > processing rate; longest batch %d ms vs trigger %d ms; input rows per batch %s",
                                        lagging.size(),
                                        afterFirst(run).size(),
                                        longest,
                                        trigger,
                                        Streams.series(run.batches(), BatchSnapshot::numInputRows));
                            }),
                    Evidence.of(
                            "keeps-up",
                            "Capped, the query keeps up: in most batches processing rate is at least the input rate and the median batch ends within the trigger interval",
                            Set.of("fixed"),
                            run -> {
                                List<BatchSnapshot> batches = afterFirst(run);
                                long keeping = batches.stream()
                                        .filter(b -> b.processedRowsPerSecond() >= b.inputRowsPerSecond())
                                        .count();
                                long[] durations = batches.stream()
                                        .mapToLong(BatchSnapshot::batchDurationMs)
                                        .sorted()
                                        .toArray();
                                long median = durations.length == 0 ? Long.MAX_VALUE : durations[durations.length / 2];
                                return Verdict.of(
                                        batches.size() >= 2 && keeping * 2 > batches.size() && median <= trigger(run),
                                        "%d of %d batches keep up; median batch %d ms vs trigger %d ms",
                                        keeping,
                                        batches.size(),
                                        median,
                                        trigger(run));
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    static long trigger(RunSnapshot run) {
        return ((Number) run.knobs().get("triggerMs")).longValue();
    }

    /** Batches after the first that read rows: the first one starts the clock and has no input rate. */
    static List<BatchSnapshot> afterFirst(RunSnapshot run) {
        return run.batches().stream()
                .filter(b -> b.batchId() > 0 && b.numInputRows() > 0)
                .toList();
    }

    static List<BatchSnapshot> lagging(RunSnapshot run) {
        return afterFirst(run).stream()
                .filter(b -> b.inputRowsPerSecond() > b.processedRowsPerSecond())
                .toList();
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        Dataset<Row> rows = run.spark()
                .readStream()
                .format("rate")
                .option("rowsPerSecond", k.integer("rowsPerSecond"))
                .option("numPartitions", 2)
                .load();
        Dataset<Row> work = rows.select(expr("aggregate(sequence(1, " + k.integer("workPerRow")
                        + "), cast(value AS INT), (acc, x) -> hash(acc, x))")
                .as("h"));
        StreamingQuery query = run.start(work.writeStream()
                .format("noop")
                .trigger(Trigger.ProcessingTime(k.integer("triggerMs")))
                .option("checkpointLocation", run.checkpoint("rate").toString()));
        long deadline = System.nanoTime() + k.integer("seconds") * 1_000_000_000L;
        while (System.nanoTime() < deadline && query.isActive()) {
            if (run.stopping()) {
                throw new CancellationException("the run was stopped");
            }
            Thread.sleep(100);
        }
        if (query.exception().isDefined()) {
            throw query.exception().get();
        }
        query.stop();
        return "ran " + k.integer("seconds") + " s at " + k.integer("rowsPerSecond") + " rows/s";
    }
}
