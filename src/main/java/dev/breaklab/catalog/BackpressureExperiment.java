package dev.breaklab.catalog;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.BooleanKnob;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;
import org.springframework.stereotype.Component;

/**
 * A file source with a backlog (the files that piled up while the query was down) and more files
 * arriving than the query can process. Uncapped, the first batch takes the whole backlog; capped
 * with maxFilesPerTrigger, every batch is bounded but the backlog still grows; only capacity fixes
 * it. Real time, on purpose: a producer thread adds files at a fixed wall-clock rate.
 */
@Component
class BackpressureExperiment extends ExperimentBase {

    BackpressureExperiment() {
        super(define("backpressure", BackpressureExperiment.class)
                .concepts(Concept.STREAMING, Concept.SPARK_UI)
                .knob(IntegerKnob.of("backlogFiles", 10, 0, 1_000, "files"))
                .knob(IntegerKnob.of("rowsPerFile", 200, 1, 100_000, "rows"))
                .knob(IntegerKnob.of("filesPerSecond", 20, 0, 200, "files/s"))
                .knob(IntegerKnob.of("maxFilesPerTrigger", 0, 0, 10_000, "files"))
                .knob(IntegerKnob.of("lookupRowsPerMs", 1, 1, 1_000, "rows/ms per task"))
                .knob(IntegerKnob.of("triggerMs", 1_000, 100, 10_000, "ms"))
                .knob(IntegerKnob.of("seconds", 30, 3, 300, "s"))
                .knob(BooleanKnob.of("stopWhenShown", true))
                .variant(Variant.of("broken"))
                .variant(Variant.of("capped").withKnob("maxFilesPerTrigger", 5L))
                .variant(Variant.of("fixed")
                        .withKnob("maxFilesPerTrigger", 5L)
                        .withKnob("filesPerSecond", 2L)
                        .withKnob("lookupRowsPerMs", 200L))
                .question(Question.number("first-batch-rows", BackpressureExperiment::firstBatchRows))
                .question(Questions.yesNo(
                        "backlog-shrinks", run -> run.measurement("pendingAtEnd") < run.measurement("pendingAtStart")))
                .evidence(Evidence.central("first-batch-takes-backlog", Set.of("broken"), run -> {
                    long backlogRows = RunQueries.knob(run, "backlogFiles") * RunQueries.knob(run, "rowsPerFile");
                    long first = firstBatchRows(run);
                    return Verdict.of(
                            backlogRows > 0 && first >= backlogRows,
                            "first batch %,d rows, backlog %,d rows; input rows per batch %s",
                            first,
                            backlogRows,
                            Streams.series(measured(run), BatchSnapshot::numInputRows));
                }))
                .evidence(Evidence.of(
                        "backlog-grows",
                        Set.of("broken", "capped"),
                        run -> Verdict.of(
                                run.measurement("pendingAtEnd") > run.measurement("pendingAtStart"),
                                "files waiting: %d at the start, %d at the end (%d written, %d read)",
                                run.measurement("pendingAtStart"),
                                run.measurement("pendingAtEnd"),
                                run.measurement("filesWritten"),
                                run.measurement("filesRead"))))
                .evidence(Evidence.of("batches-bounded", Set.of("capped", "fixed"), run -> {
                    long cap = RunQueries.knob(run, "maxFilesPerTrigger") * RunQueries.knob(run, "rowsPerFile");
                    List<BatchSnapshot> batches = measured(run);
                    long largest = batches.stream()
                            .mapToLong(BatchSnapshot::numInputRows)
                            .max()
                            .orElse(0);
                    long first = batches.isEmpty() ? 0 : batches.get(0).numInputRows();
                    return Verdict.of(
                            cap > 0 && first == cap && largest <= cap,
                            "cap %,d rows; first batch %,d rows, largest %,d; input rows per batch %s",
                            cap,
                            first,
                            largest,
                            Streams.series(batches, BatchSnapshot::numInputRows));
                }))
                .evidence(Evidence.of(
                        "drains",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                run.measurement("pendingAtEnd") < run.measurement("pendingAtStart"),
                                "files waiting: %d at the start, %d at the end (%d written, %d read)",
                                run.measurement("pendingAtStart"),
                                run.measurement("pendingAtEnd"),
                                run.measurement("filesWritten"),
                                run.measurement("filesRead"))))
                .primaryFinding("stream-falling-behind"));
    }

    /** The rows of the first measured batch that read any: the backlog it took on. */
    private static long firstBatchRows(RunSnapshot run) {
        return measured(run).stream()
                .filter(b -> b.numInputRows() > 0)
                .findFirst()
                .map(BatchSnapshot::numInputRows)
                .orElse(0L);
    }

    /** Batches of the measured query (the run's last; the first is the warm-up), in order. */
    static List<BatchSnapshot> measured(RunSnapshot run) {
        String measured = run.queries().isEmpty()
                ? ""
                : run.queries().get(run.queries().size() - 1).queryRunId();
        return run.batches().stream()
                .filter(b -> b.queryRunId().equals(measured))
                .toList();
    }

    // A class of the lesson: the snippet declares it before the code (jshell takes a class as it comes).
    // lesson:start
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
                    // Stop at once when Spark kills the task (the query stopped): a long batch would
                    // otherwise keep the run waiting for its last rows.
                    TaskContext task = TaskContext.get();
                    if (task != null) {
                        task.killTaskIfInterrupted();
                    }
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
    // lesson:end

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        int rowsPerFile = k.intValue("rowsPerFile");
        Path staging = Files.createDirectories(run.checkpoint("staging"));
        Path input = Files.createDirectories(run.checkpoint("input"));
        // The downtime: files that piled up before the query starts.
        int backlog = k.intValue("backlogFiles");
        writeFiles(staging, input, 0, backlog, rowsPerFile);
        // Warm-up: the first micro-batch in a fresh JVM pays for class loading and code generation, and
        // here the next batch holds every file that arrived meanwhile. A throw-away query over one file
        // of its own absorbs that cost, so the measured query starts near steady state.
        Path warmInput = Files.createDirectories(run.checkpoint("warm-up-input"));
        writeFiles(Files.createDirectories(run.checkpoint("warm-up-staging")), warmInput, 0, 1, rowsPerFile);
        StreamingQuery warmUp = run.start(run.spark()
                .readStream()
                .schema(new StructType().add("id", "long"))
                .json(warmInput.toString())
                .mapPartitions(new SlowLookup(k.intValue("lookupRowsPerMs")), Encoders.LONG())
                .writeStream()
                .format("noop")
                .trigger(Trigger.AvailableNow())
                .option("checkpointLocation", run.checkpoint("warm-up").toString()));
        warmUp.awaitTermination(k.integer("seconds") * 1_000L);
        warmUp.stop();
        // lesson:start
        DataStreamReader reader = run.spark().readStream().schema(new StructType().add("id", "long"));
        if (k.integer("maxFilesPerTrigger") > 0) { // a source option, not a Spark setting
            reader = reader.option("maxFilesPerTrigger", k.integer("maxFilesPerTrigger"));
        }
        // JSON lines {"id": n} arrive here: the lab's producer adds filesPerSecond files a second
        Dataset<Row> rows = reader.json(run.checkpoint("input").toString());
        // a blocking lookup per row: each of the 2 tasks waits 1 ms per lookupRowsPerMs rows
        Dataset<Long> enriched = rows.mapPartitions(new SlowLookup(k.intValue("lookupRowsPerMs")), Encoders.LONG());
        StreamingQuery query = run.start(enriched.writeStream()
                .format("noop")
                .trigger(Trigger.ProcessingTime(k.integer("triggerMs")))
                .option("checkpointLocation", run.checkpoint("query").toString()));
        // lesson:end
        AtomicLong written = new AtomicLong(backlog);
        Thread producer = new Thread(
                () -> produce(staging, input, written, k.intValue("filesPerSecond"), rowsPerFile), "lab-file-producer");
        producer.setDaemon(true);
        producer.start();
        try {
            // Bounded twice: the run ends as soon as the lesson shows, or after `seconds` of wall time.
            long deadline = System.nanoTime() + k.integer("seconds") * 1_000_000_000L;
            while (System.nanoTime() < deadline && query.isActive() && !(k.bool("stopWhenShown") && shown(query))) {
                sleepUnlessStopping(run, 100);
            }
            if (query.exception().isDefined()) {
                throw query.exception().get();
            }
            query.stop();
        } finally {
            stopProducer(producer);
        }
        long rowsRead = Arrays.stream(query.recentProgress())
                .mapToLong(StreamingQueryProgress::numInputRows)
                .sum();
        long filesRead = rowsRead / rowsPerFile;
        run.measure("pendingAtStart", backlog);
        run.measure("filesWritten", written.get());
        run.measure("filesRead", filesRead);
        run.measure("pendingAtEnd", written.get() - filesRead);
        StringBuilder summary = new StringBuilder(String.format(
                Locale.ROOT,
                "%d files waiting at the start, %d written, %d read, %d waiting at the end:",
                backlog,
                written.get(),
                filesRead,
                written.get() - filesRead));
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

    /**
     * Stops the producer and waits for it, even when this thread is interrupted (a stopped run): the
     * run's directory is deleted after run() returns, and no file may be written into it meanwhile.
     */
    private static void stopProducer(Thread producer) {
        producer.interrupt();
        boolean interrupted = false;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (producer.isAlive() && System.nanoTime() < deadline) {
            try {
                producer.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Adds files at a fixed wall-clock rate until interrupted: it catches up after a pause, so a busy
     * machine slows the query, never the arrival.
     */
    private static void produce(Path staging, Path input, AtomicLong written, int filesPerSecond, int rowsPerFile) {
        long start = System.nanoTime();
        long backlog = written.get();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                long due = (System.nanoTime() - start) / 1_000_000L * filesPerSecond / 1_000L;
                while (written.get() < backlog + due && !Thread.currentThread().isInterrupted()) {
                    writeFiles(staging, input, written.get(), 1, rowsPerFile);
                    written.incrementAndGet();
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (UncheckedIOException e) {
            // the run's directory is gone: the run is over
        }
    }

    /**
     * Writes {@code count} JSON-lines files of {@code rowsPerFile} rows, numbered from {@code from}:
     * each aside first, then moved into the source directory in one step.
     */
    private static void writeFiles(Path staging, Path input, long from, int count, int rowsPerFile) {
        try {
            for (long f = from; f < from + count; f++) {
                StringBuilder lines = new StringBuilder();
                for (long i = f * rowsPerFile; i < (f + 1) * rowsPerFile; i++) {
                    lines.append("{\"id\":").append(i).append("}\n");
                }
                String name = String.format(Locale.ROOT, "part-%06d.json", f);
                Path aside = Files.writeString(staging.resolve(name), lines, StandardCharsets.UTF_8);
                Files.move(aside, input.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleepUnlessStopping(ExperimentRun run, long ms) throws InterruptedException {
        if (run.stopping()) {
            throw new CancellationException("the run was stopped");
        }
        Thread.sleep(ms);
    }

    /**
     * Two batches with data completed: the first after the downtime and one fed only by arrivals,
     * enough to compare rates, cap and backlog. A third, uncapped, would hold everything that piled up
     * meanwhile and only make the run longer.
     */
    private static boolean shown(StreamingQuery query) {
        return Arrays.stream(query.recentProgress())
                        .filter(p -> p.numInputRows() > 0)
                        .count()
                >= 2;
    }
}
