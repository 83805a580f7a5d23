package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.ForeachWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.springframework.stereotype.Component;

/**
 * A query crashes in the middle of a micro-batch and restarts from its checkpoint: the batch is
 * replayed. An idempotent sink (Spark's file sink) keeps each row once; a foreach sink that appends
 * writes the replayed rows again.
 */
@Component
class CheckpointRecoveryExperiment extends ExperimentBase {

    CheckpointRecoveryExperiment() {
        super(define("checkpoint-recovery", CheckpointRecoveryExperiment.class)
                .concepts(Concept.STREAMING, Concept.FAULTS)
                .knob(Knobs.batches(5, 3, 20, "Micro-batches of input"))
                .knob(Knobs.rowsPerBatch(100))
                .knob(IntegerKnob.of("crashBatch", 2, 1, 19, "batch id"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Question.number("restart-batch", run -> Streams.firstBatchId(run, 1)))
                .question(Streams.duplicatesQuestion())
                .evidence(Evidence.central(
                        "duplicates",
                        Set.of("broken"),
                        run -> Verdict.of(
                                Streams.duplicates(run) > 0,
                                "sink rows %d, distinct %d, generated %d: %d duplicates",
                                run.measurement("sinkRows"),
                                run.measurement("sinkDistinctRows"),
                                run.measurement("generatedRows"),
                                Streams.duplicates(run))))
                .evidence(Streams.exactlyOnce())
                .evidence(Evidence.of("replayed-from-checkpoint", Set.of("broken", "fixed"), run -> {
                    long offsets = run.measurement("offsetsAtCrash");
                    long commits = run.measurement("commitsAtCrash");
                    long crash = run.measurement("crashBatch");
                    long resumed = Streams.firstBatchId(run, 1);
                    String failure = run.queries().get(0).exception();
                    return Verdict.of(
                            offsets == commits + 1 && resumed == crash && failure != null,
                            "at the crash: %d offsets entries, %d commits; restart resumed at batch %d (crashed in %d); first start ended with: %s",
                            offsets,
                            commits,
                            resumed,
                            crash,
                            failure == null ? "no error" : failure.substring(0, Math.min(120, failure.length())));
                }))
                .primaryFinding("stream-restart"));
    }

    // A class of the lesson: the snippet declares it before the code (jshell takes a class as it comes).
    // lesson:start
    /**
     * A naive sink: every row it is given is appended at once, like an INSERT per row. A new file per
     * open() so partitions never share one; nothing keyed by batch id, hence not idempotent.
     */
    static final class AppendingWriter extends ForeachWriter<Row> {

        private final String dir;
        private transient BufferedWriter out;

        AppendingWriter(String dir) {
            this.dir = dir;
        }

        @Override
        public boolean open(long partitionId, long epochId) {
            try {
                Path target = Files.createDirectories(Path.of(dir));
                out = Files.newBufferedWriter(target.resolve("part-" + UUID.randomUUID() + ".txt"));
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void process(Row row) {
            try {
                out.write(row.getLong(0) + "\n");
                out.flush(); // the row is "sent": a crash later in the batch cannot take it back
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close(Throwable errorOrNull) {
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
    // lesson:end

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        // lesson:start
        int batches = k.intValue("batches");
        long perBatch = k.integer("rowsPerBatch");
        long poison = Math.min(k.integer("crashBatch"), batches - 1) * perBatch + perBatch / 2; // mid-batch
        String sink = run.workDir().resolve("sink").toString();
        MemoryStream<Long> ids = Streams.longs(run.spark());
        Function<Boolean, DataStreamWriter<Row>> query = armed -> {
            DataStreamWriter<Row> writer = ids.toDF()
                    .select(when(
                                    col("value").equalTo(poison).and(lit(armed)),
                                    raise_error(lit("injected failure in the middle of a micro-batch")))
                            .otherwise(col("value"))
                            .cast("long")
                            .as("id"))
                    .writeStream()
                    .option("checkpointLocation", run.checkpoint("events").toString());
            return run.variant().equals("fixed")
                    ? writer.format("json").option("path", sink) // files enter _spark_metadata when a batch commits
                    : writer.foreach(new AppendingWriter(sink)); // every row appended the moment it comes
        };
        StreamingQuery first = run.start(query.apply(true));
        int batch = 0;
        try {
            for (; batch < batches; batch++) {
                Streams.add(ids, Streams.range(batch * perBatch, (batch + 1) * perBatch));
                Streams.processAll(run, first);
            }
            throw new IllegalStateException("the injected failure did not stop the query");
        } catch (Exception crash) {
            // the query's failure: processAllAvailable throws a StreamingQueryException it does not declare
            if (!(crash instanceof StreamingQueryException)) {
                throw crash;
            }
            batch++; // the crashed batch's rows are in the source: the restart replays them
        }
        // lesson:end
        Path checkpoint = run.checkpoint("events");
        int crashed = batch - 1;
        run.measure("crashBatch", crashed);
        run.measure("offsetsAtCrash", logEntries(checkpoint.resolve("offsets")));
        run.measure("commitsAtCrash", logEntries(checkpoint.resolve("commits")));
        // lesson:start
        StreamingQuery second = run.start(query.apply(false)); // the same checkpoint, the failure disarmed
        Streams.processAll(run, second); // Spark runs the uncommitted batch again first
        for (; batch < batches; batch++) {
            Streams.add(ids, Streams.range(batch * perBatch, (batch + 1) * perBatch));
            Streams.processAll(run, second);
        }
        second.stop();
        Dataset<Row> written = run.variant().equals("fixed")
                ? run.spark().read().json(sink).select(col("id"))
                : run.spark().read().text(sink).select(col("value").as("id"));
        long rows = written.count();
        long distinct = written.distinct().count();
        run.measure("sinkRows", rows);
        run.measure("sinkDistinctRows", distinct);
        // lesson:end
        run.measure("generatedRows", batches * perBatch);
        return "crash in batch " + crashed + ", restarted from the checkpoint; sink: " + rows + " rows, " + distinct
                + " distinct";
    }

    /** Batch ids in a checkpoint log directory (offsets/ or commits/): files named 0, 1, 2... */
    private static long logEntries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("\\d+")).count();
        }
    }
}
