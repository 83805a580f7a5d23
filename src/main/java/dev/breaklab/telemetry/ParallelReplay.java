package dev.breaklab.telemetry;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.breaklab.telemetry.EventLogException.Kind;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.spark.scheduler.ReplayListenerBus;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.util.JsonProtocol;

/**
 * The loop of Spark's {@code ReplayListenerBus.replay}, with the parsing spread over threads: lines
 * are read in order, parsed by Spark's {@code JsonProtocol} in batches on {@code parsers}, and
 * posted in their original order to the bus on the calling thread, so listeners see exactly the
 * sequence a single-threaded replay delivers. Parsing is most of a replay's cost; task ends, most of
 * the lines, are read by {@link TaskEndJson}, which leaves out what no run uses. Failures keep
 * Spark's rules: an event class Spark does not have or a property it does not know drops the event;
 * a line that is not JSON fails the replay unless it is the last line of a log still being written
 * ({@code maybeTruncated}); any other line Spark cannot read fails it too, here with its line
 * number and Spark's reason.
 */
final class ParallelReplay {

    private static final int BATCH_LINES = 512;
    private static final int BATCH_CHARS = 4 << 20;

    private final ReplayListenerBus bus;
    private final ExecutorService parsers;
    private final int inFlight;
    long droppedUnknown;

    ParallelReplay(ReplayListenerBus bus, ExecutorService parsers, int threads) {
        this.bus = bus;
        this.parsers = parsers;
        this.inFlight = Math.max(1, threads) * 2;
    }

    /** Lines of one batch, with their line numbers; {@code endOfFile} when its last line ends the file. */
    private record Batch(String[] lines, long[] numbers, int size, boolean endOfFile) {}

    /** What each line of a batch became: an event, or the exception that stopped Spark parsing it. */
    private record Parsed(Batch batch, Object[] results) {}

    void replay(
            Iterator<String> lines, LineNumbers numbers, String file, boolean maybeTruncated, Predicate<String> select)
            throws IOException {
        ArrayDeque<Future<Parsed>> pending = new ArrayDeque<>();
        try {
            while (true) {
                Batch batch = read(lines, numbers, select);
                if (batch == null) {
                    break;
                }
                if (parsers == null) {
                    post(parse(batch), file, maybeTruncated);
                    continue;
                }
                pending.add(parsers.submit(() -> parse(batch)));
                if (pending.size() >= inFlight) {
                    post(take(pending), file, maybeTruncated);
                }
            }
            while (!pending.isEmpty()) {
                post(take(pending), file, maybeTruncated);
            }
        } finally {
            pending.forEach(f -> f.cancel(true));
        }
    }

    /** Supplies the number of the line last read. */
    @FunctionalInterface
    interface LineNumbers {
        long current();
    }

    private static Batch read(Iterator<String> lines, LineNumbers numbers, Predicate<String> select) {
        String[] batch = new String[BATCH_LINES];
        long[] lineNumbers = new long[BATCH_LINES];
        int size = 0;
        long chars = 0;
        while (size < BATCH_LINES && chars < BATCH_CHARS && lines.hasNext()) {
            String line = lines.next();
            if (!select.test(line)) {
                continue;
            }
            batch[size] = line;
            lineNumbers[size] = numbers.current();
            chars += line.length();
            size++;
        }
        boolean end = !lines.hasNext();
        return size == 0 && end ? null : new Batch(batch, lineNumbers, size, end);
    }

    private static Parsed parse(Batch batch) {
        Object[] results = new Object[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            try {
                String line = batch.lines()[i];
                results[i] =
                        TaskEndJson.isTaskEnd(line) ? TaskEndJson.parse(line) : JsonProtocol.sparkEventFromJson(line);
            } catch (Throwable t) {
                results[i] = t;
            }
        }
        return new Parsed(batch, results);
    }

    private static Parsed take(ArrayDeque<Future<Parsed>> pending) throws IOException {
        try {
            return pending.poll().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("the import was interrupted");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private void post(Parsed parsed, String file, boolean maybeTruncated) throws EventLogException {
        Batch batch = parsed.batch();
        for (int i = 0; i < batch.size(); i++) {
            Object result = parsed.results()[i];
            if (result instanceof SparkListenerEvent event) {
                bus.postToAll(event);
                continue;
            }
            long line = batch.numbers()[i];
            if (result instanceof ClassNotFoundException || result instanceof UnrecognizedPropertyException) {
                droppedUnknown++;
            } else if (result instanceof JsonParseException json) {
                boolean lastLine = batch.endOfFile() && i == batch.size() - 1;
                if (!(maybeTruncated && lastLine)) {
                    throw new EventLogException(
                            Kind.NOT_JSON,
                            file,
                            line,
                            "line " + line + " of " + file + " is not JSON: " + json.getOriginalMessage());
                }
            } else if (result instanceof VirtualMachineError error) {
                throw error;
            } else {
                Throwable t = (Throwable) result;
                throw new EventLogException(
                        Kind.NOT_AN_EVENT,
                        file,
                        line,
                        "line " + line + " of " + file + " is JSON but not a Spark listener event Spark "
                                + org.apache.spark.package$.MODULE$.SPARK_VERSION() + " can read ("
                                + t.getClass().getSimpleName()
                                + (t.getMessage() == null ? "" : ": " + abbreviate(t.getMessage()))
                                + ")",
                        t);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
