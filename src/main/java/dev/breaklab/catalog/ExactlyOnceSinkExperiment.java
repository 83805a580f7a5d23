package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.springframework.stereotype.Component;

/**
 * foreachBatch is at-least-once: a batch whose write finished but whose commit was never recorded is
 * run again, with the same batch id, after a restart. Appending duplicates it; a write keyed by the
 * batch id (overwrite the batch's own directory) does not.
 */
@Component
class ExactlyOnceSinkExperiment extends ExperimentBase {

    ExactlyOnceSinkExperiment() {
        super(define("exactly-once-sink", ExactlyOnceSinkExperiment.class)
                .concepts(Concept.STREAMING, Concept.FAULTS)
                .knob(Knobs.batches(4, 3, 20, "Micro-batches of input"))
                .knob(Knobs.rowsPerBatch(100))
                .knob(IntegerKnob.of("crashBatch", 1, 0, 19, "batch id"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Question.number("replayed-batch", run -> run.measurement("restartFirstBatchId")))
                .question(Streams.duplicatesQuestion())
                .evidence(Evidence.central(
                        "duplicates",
                        Set.of("broken"),
                        run -> Verdict.of(
                                Streams.duplicates(run) == run.measurement("rowsPerBatch")
                                        && run.measurement("sinkDistinctRows") == run.measurement("generatedRows"),
                                "sink rows %d, distinct %d, generated %d: %d duplicates (one batch holds %d rows)",
                                run.measurement("sinkRows"),
                                run.measurement("sinkDistinctRows"),
                                run.measurement("generatedRows"),
                                Streams.duplicates(run),
                                run.measurement("rowsPerBatch"))))
                .evidence(Streams.exactlyOnce())
                .evidence(Evidence.of("same-batch-id", Set.of("broken", "fixed"), run -> {
                    long crash = run.measurement("crashBatch");
                    long resumed = Streams.firstBatchId(run, 1);
                    return Verdict.of(
                            run.measurement("restartFirstBatchId") == crash
                                    && run.measurement("callsForCrashBatch") == 2
                                    && resumed == crash
                                    && run.queries().get(0).exception() != null,
                            "crashed after writing batch %d; the restart's first foreachBatch call had batch id %d"
                                    + " (its first progress: batch %d); batch %d was handed to foreachBatch %d times",
                            crash,
                            run.measurement("restartFirstBatchId"),
                            resumed,
                            crash,
                            run.measurement("callsForCrashBatch"));
                }))
                .primaryFinding("stream-restart"));
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        // lesson:start
        List<Long> calls = new CopyOnWriteArrayList<>(); // batch ids, in the order foreachBatch saw them
        int batches = k.intValue("batches");
        long perBatch = k.integer("rowsPerBatch");
        long crashBatch = Math.min(k.integer("crashBatch"), batches - 1);
        String sink = run.workDir().resolve("sink").toString();
        boolean idempotent = run.variant().equals("fixed");
        MemoryStream<Long> ids = Streams.longs(run.spark());
        Function<Boolean, DataStreamWriter<Row>> query = armed -> ids.toDF()
                .select(col("value").as("id"))
                .writeStream()
                .option("checkpointLocation", run.checkpoint("events").toString())
                .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (data, batchId) -> {
                    calls.add(batchId);
                    if (idempotent) { // keyed by the batch id: a replay replaces its own first attempt
                        data.write().mode("overwrite").json(sink + "/batch=" + batchId);
                    } else { // whatever comes is added: a replay adds the same rows again
                        data.write().mode("append").json(sink);
                    }
                    if (armed && batchId == crashBatch) { // written, but the commit log never hears of it
                        throw new IllegalStateException("injected crash after batch " + batchId + "'s write");
                    }
                });
        StreamingQuery first = run.start(query.apply(true));
        int batch = 0;
        try {
            for (; batch < batches; batch++) {
                Streams.add(ids, Streams.range(batch * perBatch, (batch + 1) * perBatch));
                Streams.processAll(run, first);
            }
            throw new IllegalStateException("the injected crash did not stop the query");
        } catch (Exception crash) {
            // the query's failure: processAllAvailable throws a StreamingQueryException it does not declare
            if (!(crash instanceof StreamingQueryException)) {
                throw crash;
            }
            batch++; // the crashed batch's rows are in the source: the restart replays them
        }
        int restartCall = calls.size();
        StreamingQuery second = run.start(query.apply(false)); // the same checkpoint, the crash disarmed
        Streams.processAll(run, second); // Spark runs the uncommitted batch again first, with the same id
        for (; batch < batches; batch++) {
            Streams.add(ids, Streams.range(batch * perBatch, (batch + 1) * perBatch));
            Streams.processAll(run, second);
        }
        second.stop();
        Dataset<Row> written = run.spark().read().json(sink).select(col("id"));
        long rows = written.count();
        long distinct = written.distinct().count();
        run.measure("sinkRows", rows);
        run.measure("sinkDistinctRows", distinct);
        // lesson:end
        run.measure("crashBatch", crashBatch);
        run.measure("restartFirstBatchId", calls.size() > restartCall ? calls.get(restartCall) : -1);
        run.measure(
                "callsForCrashBatch",
                calls.stream().filter(id -> id == crashBatch).count());
        run.measure("rowsPerBatch", perBatch);
        run.measure("generatedRows", batches * perBatch);
        return "crash after batch " + crashBatch + "'s write, restarted on the checkpoint; foreachBatch calls " + calls
                + "; sink: " + rows + " rows, " + distinct + " distinct";
    }
}
