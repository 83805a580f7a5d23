package dev.breaklab.catalog;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.runtime.MemoryStream;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import scala.jdk.javaapi.CollectionConverters;

/** Small helpers the streaming experiments share: in-lab sources and per-batch figures. */
final class Streams {

    private Streams() {}

    /**
     * A stream of longs the experiment feeds itself: each {@link #add} becomes exactly one partition
     * of the next micro-batch, so batches are deterministic (Spark's own streaming tests use it).
     */
    static MemoryStream<Long> longs(SparkSession spark) {
        return MemoryStream.apply(spark, Encoders.LONG());
    }

    static void add(MemoryStream<Long> stream, List<Long> values) {
        stream.addData(CollectionConverters.asScala(values).toList());
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>((int) Math.max(0, to - from));
        for (long v = from; v < to; v++) {
            out.add(v);
        }
        return out;
    }

    /**
     * Runs one micro-batch over what was added; ends the run early when it is being stopped. Spark
     * throws the query's failure from Scala without declaring it; declared here so callers can catch it.
     */
    static void processAll(ExperimentRun run, StreamingQuery query) throws StreamingQueryException {
        if (run.stopping()) {
            throw new CancellationException("the run was stopped");
        }
        query.processAllAvailable();
        if (run.stopping()) {
            throw new CancellationException("the run was stopped");
        }
    }

    /** One figure per batch, in order, for the measured text of evidence. */
    static String series(List<BatchSnapshot> batches, ToLongFunction<BatchSnapshot> figure) {
        String all =
                batches.stream().map(b -> String.valueOf(figure.applyAsLong(b))).collect(Collectors.joining(", "));
        return "[" + all + "]";
    }

    /** One figure summed over batches, e.g. the rows the watermark dropped in the whole run. */
    static long total(List<BatchSnapshot> batches, ToLongFunction<BatchSnapshot> figure) {
        return batches.stream().mapToLong(figure).sum();
    }

    static BatchSnapshot last(List<BatchSnapshot> batches) {
        if (batches.isEmpty()) {
            throw new IllegalStateException("no micro-batch reported progress");
        }
        return batches.get(batches.size() - 1);
    }

    /**
     * The batch id the run's {@code start}-th query start began with (from 0), -1 when it reported no
     * progress: after a restart from a checkpoint, the batch Spark replays.
     */
    static long firstBatchId(RunSnapshot run, int start) {
        List<BatchSnapshot> batches = ofStart(run, start);
        return batches.isEmpty() ? -1 : batches.get(0).batchId();
    }

    /**
     * Rows a sink holds more than once, from the experiment's measurements {@code sinkRows} and
     * {@code sinkDistinctRows}: the lessons about replayed batches measure their sink with these.
     */
    static long duplicates(RunSnapshot run) {
        return run.measurement("sinkRows") - run.measurement("sinkDistinctRows");
    }

    /** The prediction about {@link #duplicates}. */
    static Question duplicatesQuestion() {
        return Question.number("duplicates", "How many duplicate rows will the sink hold?", Streams::duplicates);
    }

    /**
     * The sink holds every generated row exactly once (measurement {@code generatedRows}), on the
     * {@code fixed} variant.
     */
    static Evidence exactlyOnce() {
        return Evidence.of(
                "exactly-once",
                Set.of("fixed"),
                run -> Verdict.of(
                        run.measurement("sinkRows") == run.measurement("generatedRows") && duplicates(run) == 0,
                        "sink rows %d, distinct %d, generated %d",
                        run.measurement("sinkRows"),
                        run.measurement("sinkDistinctRows"),
                        run.measurement("generatedRows")));
    }

    /** The batches of one query start that read rows (no-data batches only advance the watermark). */
    static List<BatchSnapshot> dataOfStart(RunSnapshot run, int start) {
        return ofStart(run, start).stream().filter(b -> b.numInputRows() > 0).toList();
    }

    /** Batches of one query start (the run's n-th start of any query, from 0). */
    static List<BatchSnapshot> ofStart(RunSnapshot run, int start) {
        if (run.queries().size() <= start) {
            throw new IllegalStateException("the run started " + run.queries().size() + " queries");
        }
        String runId = run.queries().get(start).queryRunId();
        return run.batches().stream().filter(b -> b.queryRunId().equals(runId)).toList();
    }
}
