package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.BooleanKnob;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.springframework.stereotype.Component;

/**
 * A rate source produces rows faster than the query can process them: batches get longer than the
 * trigger and bigger each time. A cap on the source rate keeps them steady. Real time, on purpose.
 */
@Component
class BackpressureExperiment implements Experiment {

    static final String ID = "backpressure";

    private static final ExperimentDefinition DEFINITION = ExperimentDefinition.define(ID, BackpressureExperiment.class)
            .title("Backpressure: a source faster than the query")
            .summary(
                    "Input rate above processing rate: every batch is longer than the trigger and bigger than the last.")
            .concepts(Concept.STREAMING, Concept.SPARK_UI)
            .story("""
                    A micro-batch query with a processing-time trigger of 500 ms promises nothing about \
                    finishing in 500 ms. Each batch takes everything the source has accumulated since the last \
                    one. When rows arrive faster than the query can process them, a batch takes longer than the \
                    trigger, the next batch has even more rows waiting, takes longer still, and latency grows \
                    without bound. Structured Streaming has no automatic backpressure: the query falls behind \
                    until it runs out of memory or the source's retention expires.

                    The streaming query's progress says it plainly: inputRowsPerSecond (how fast rows arrived) \
                    above processedRowsPerSecond (how fast this batch got through them), and a batch duration \
                    above the trigger interval. Here a rate source emits rows at a fixed rate in real time and \
                    every row goes through a blocking lookup (a stand-in for a call to a slow service: each task \
                    waits 1 ms per lookupRowsPerMs rows), so the query's capacity is known: at most two tasks \
                    of 20 rows/ms, 40,000 rows/s, fed 80,000 rows/s. The run lasts until the lesson shows, a few \
                    seconds of wall time after a warm-up start that absorbs the JVM's first-batch costs.

                    The fix is to bound each batch: maxOffsetsPerTrigger (Kafka), maxFilesPerTrigger / \
                    maxBytesPerTrigger (files), rowsPerSecond for the rate source, plus enough cores and a \
                    trigger interval the query can actually keep. Then input and processing rates meet and \
                    every batch ends within its trigger.""")
            .noSql("The rate source, the processing-time trigger and the blocking lookup (a Java mapPartitions) "
                    + "have no Spark SQL form")
            .knob(IntegerKnob.of(
                    "rowsPerSecond",
                    "Source rate",
                    80_000,
                    100,
                    2_000_000,
                    "rows/s",
                    "Rows the rate source emits per second (fixed variant: 2,000)"))
            .knob(IntegerKnob.of(
                    "lookupRowsPerMs",
                    "Lookup speed",
                    20,
                    1,
                    1_000,
                    "rows/ms per task",
                    "How fast each of the 2 tasks gets through rows: it waits 1 ms per this many rows"))
            .knob(IntegerKnob.of("triggerMs", "Trigger interval", 500, 100, 10_000, "ms", "Processing-time trigger"))
            .knob(IntegerKnob.of(
                    "seconds",
                    "Run for at most",
                    30,
                    3,
                    300,
                    "s",
                    "Wall-clock limit; the run ends earlier, as soon as the lesson shows"))
            .knob(
                    BooleanKnob.of(
                            "stopWhenShown",
                            "Stop when shown",
                            true,
                            "End the run once two batches after the first completed or one took twice the trigger; off: run for the full time"))
            .variant(Variant.of("broken", "Uncapped source", "80,000 rows/s into a query that handles at most 40,000"))
            .variant(Variant.of("fixed", "Capped source", "The source is capped at 2,000 rows/s, the trigger is 2 s")
                    .withKnob("rowsPerSecond", 2_000L)
                    .withKnob("triggerMs", 2_000L))
            .question(Questions.yesNo("keeps-up", "Will the query keep up with its source?", run -> lagging(run)
                    .isEmpty()))
            .question(Question.number(
                    "longest-batch",
                    "How long will the longest micro-batch take, in seconds (rounded)?",
                    run -> Math.round(run.batches().stream()
                                    .mapToLong(BatchSnapshot::batchDurationMs)
                                    .max()
                                    .orElse(0)
                            / 1000.0)))
            .evidence(Evidence.central(
                    "falls-behind",
                    "The source outruns the query: after the first batch, input rate exceeds processing rate and batches take longer than the trigger interval",
                    Set.of("broken"),
                    run -> {
                        long trigger = RunQueries.knob(run, "triggerMs");
                        long longest = afterFirst(run).stream()
                                .mapToLong(BatchSnapshot::batchDurationMs)
                                .max()
                                .orElse(0);
                        return Verdict.of(
                                !lagging(run).isEmpty() && longest > trigger,
                                "%d of %d batches with input rate > processing rate; longest batch %d ms vs trigger %d ms; input rows per batch %s",
                                lagging(run).size(),
                                afterFirst(run).size(),
                                longest,
                                trigger,
                                Streams.series(run.batches(), BatchSnapshot::numInputRows));
                    }))
            .evidence(Evidence.of(
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
                        long trigger = RunQueries.knob(run, "triggerMs");
                        return Verdict.of(
                                batches.size() >= 2 && keeping * 2 > batches.size() && median <= trigger,
                                "%d of %d batches keep up; median batch %d ms vs trigger %d ms",
                                keeping,
                                batches.size(),
                                median,
                                trigger);
                    }))
            .primaryFinding("stream-falling-behind")
            .build();

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    /**
     * Batches of the measured query (the last start; the first is the warm-up) after its first batch,
     * which starts the clock and has no input rate.
     */
    static List<BatchSnapshot> afterFirst(RunSnapshot run) {
        String measured = run.queries().isEmpty()
                ? ""
                : run.queries().get(run.queries().size() - 1).queryRunId();
        return run.batches().stream()
                .filter(b -> b.queryRunId().equals(measured) && b.batchId() > 0 && b.numInputRows() > 0)
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
        // lesson:start
        Dataset<Row> rows = run.spark()
                .readStream()
                .format("rate")
                .option("rowsPerSecond", k.integer("rowsPerSecond"))
                .option("numPartitions", 2)
                .load();
        // a blocking lookup per row: each of the 2 tasks waits 1 ms per lookupRowsPerMs rows
        Dataset<Long> enriched =
                rows.select(col("value")).mapPartitions(new SlowLookup(k.intValue("lookupRowsPerMs")), Encoders.LONG());
        // lesson:end
        // Warm-up: the first micro-batch of a plan in a fresh JVM pays for class loading and code
        // generation, and a rate source's second batch holds every row emitted meanwhile. A throw-away
        // start whose first (empty) batch absorbs that cost keeps the measured query near steady state.
        StreamingQuery warmUp = run.start(enriched.writeStream()
                .format("noop")
                .option("checkpointLocation", run.checkpoint("warm-up").toString()));
        long warmDeadline = System.nanoTime() + k.integer("seconds") * 1_000_000_000L;
        while (warmUp.recentProgress().length == 0 && warmUp.isActive() && System.nanoTime() < warmDeadline) {
            sleepUnlessStopping(run, 50);
        }
        warmUp.stop();
        // lesson:start
        StreamingQuery query = run.start(enriched.writeStream()
                .format("noop")
                .trigger(Trigger.ProcessingTime(k.integer("triggerMs")))
                .option("checkpointLocation", run.checkpoint("rate").toString()));
        // lesson:end
        // Bounded twice: the run ends as soon as the lesson shows (two batches after the first have
        // completed, or one took more than twice the trigger), or after `seconds` of wall time.
        long deadline = System.nanoTime() + k.integer("seconds") * 1_000_000_000L;
        while (System.nanoTime() < deadline
                && query.isActive()
                && !(k.bool("stopWhenShown") && shown(query, 2 * k.integer("triggerMs")))) {
            sleepUnlessStopping(run, 100);
        }
        if (query.exception().isDefined()) {
            throw query.exception().get();
        }
        query.stop();
        StringBuilder summary = new StringBuilder(k.integer("rowsPerSecond") + " rows/s:");
        for (StreamingQueryProgress p : query.recentProgress()) {
            summary.append(String.format(
                    Locale.ROOT,
                    " [batch %d: %d rows, in %.0f/s, processed %.0f/s, %d ms]",
                    p.batchId(),
                    p.numInputRows(),
                    p.inputRowsPerSecond(),
                    p.processedRowsPerSecond(),
                    p.batchDuration()));
        }
        return summary.toString();
    }

    private static void sleepUnlessStopping(ExperimentRun run, long ms) throws InterruptedException {
        if (run.stopping()) {
            throw new CancellationException("the run was stopped");
        }
        Thread.sleep(ms);
    }

    private static boolean shown(StreamingQuery query, long slowMs) {
        List<StreamingQueryProgress> after = Arrays.stream(query.recentProgress())
                .filter(p -> p.batchId() > 0 && p.numInputRows() > 0)
                .toList();
        return after.size() >= 2 || after.stream().anyMatch(p -> p.batchDuration() > slowMs);
    }

    /** A blocking lookup per row: the task waits 1 ms per {@code rowsPerMs} rows it passes on. */
    static final class SlowLookup implements MapPartitionsFunction<Row, Long> {

        private final int rowsPerMs;

        SlowLookup(int rowsPerMs) {
            this.rowsPerMs = rowsPerMs;
        }

        @Override
        public Iterator<Long> call(Iterator<Row> input) {
            return new Iterator<>() {
                long seen;

                @Override
                public boolean hasNext() {
                    return input.hasNext();
                }

                @Override
                public Long next() {
                    if (++seen % rowsPerMs == 0) {
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("lookup interrupted", e);
                        }
                    }
                    return input.next().getLong(0);
                }
            };
        }
    }
}
