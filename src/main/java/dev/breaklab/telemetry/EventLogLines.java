package dev.breaklab.telemetry;

import dev.breaklab.telemetry.EventLogException.Kind;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongSupplier;

/**
 * The lines of one decompressed event-log file, read under limits: no line longer than {@code
 * maxLineBytes}, no more than {@code maxInflated} bytes in all, and no more than {@code maxRatio}
 * times the compressed bytes read so far (a decompression bomb stops within a few MB of output).
 * A failure of the codec is reported as corrupt compression on the line being read. With {@code
 * maybeTruncated} (a log still being written) a file that ends inside a compressed block simply
 * ends, like Spark's own replay of an in-progress log.
 */
final class EventLogLines implements Iterator<String> {

    /** Below this many inflated bytes the ratio is not judged (a tiny log compresses oddly). */
    static final long RATIO_FLOOR = 4L << 20;

    private final InputStream in;
    private final String file;
    private final LongSupplier compressedRead;
    private final Limits limits;
    private final boolean maybeTruncated;

    private byte[] buf = new byte[64 * 1024];
    /** A line that spans reads of {@link #buf} is gathered here (see {@link #carry}). */
    private byte[] carry = new byte[0];

    private int pos;
    private int end;
    private boolean eof;
    private String next;
    private long lineNumber;
    private long inflated;
    private boolean endedInsideBlock;
    private boolean lastLineTerminated = true;

    /** The limits an import reads under; {@code inflatedSoFar} counts across files of one upload. */
    static final class Limits {
        final long maxLineBytes;
        final long maxInflated;
        final int maxRatio;
        long inflatedSoFar;

        Limits(long maxLineBytes, long maxInflated, int maxRatio) {
            this.maxLineBytes = maxLineBytes;
            this.maxInflated = maxInflated;
            this.maxRatio = maxRatio;
        }
    }

    EventLogLines(InputStream in, String file, LongSupplier compressedRead, Limits limits, boolean maybeTruncated) {
        this.in = in;
        this.file = file;
        this.compressedRead = compressedRead;
        this.limits = limits;
        this.maybeTruncated = maybeTruncated;
    }

    /** The 1-based number of the line last returned. */
    long lineNumber() {
        return lineNumber;
    }

    String file() {
        return file;
    }

    /** Whether the line {@link #readLine} returned last ended with a line break (not cut off by the end). */
    boolean lastLineTerminated() {
        return lastLineTerminated;
    }

    /** Whether the file ended inside a compressed block (accepted only for a log in progress). */
    boolean endedInsideBlock() {
        return endedInsideBlock;
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = readLine();
            } catch (IOException e) {
                // Spark's replay rethrows an IOException as it is; anything else it would swallow.
                throw EventLogLines.<RuntimeException>sneaky(e);
            }
        }
        return next != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String line = next;
        next = null;
        lineNumber++;
        return line;
    }

    /** Reads the next line, or null at the end. */
    String readLine() throws IOException {
        int lineStart = pos;
        int carried = 0;
        while (true) {
            for (int i = pos; i < end; i++) {
                if (buf[i] == '\n') {
                    pos = i + 1;
                    lastLineTerminated = true;
                    return text(carried, lineStart, i - lineStart);
                }
            }
            // No newline in the buffer: keep what we have and read more.
            int have = end - lineStart;
            if (carried + have > limits.maxLineBytes) {
                throw new EventLogException(
                        Kind.LINE_TOO_LONG,
                        file,
                        lineNumber + 1,
                        "line " + (lineNumber + 1) + " of " + file + " is longer than " + size(limits.maxLineBytes)
                                + " (lab.imports.max-line-bytes)");
            }
            carry(carried, lineStart, have);
            carried += have;
            pos = end = lineStart = 0;
            if (eof || !fill()) {
                eof = true;
                lastLineTerminated = false;
                return carried == 0 ? null : text(carried, 0, 0);
            }
        }
    }

    /**
     * Appends {@code buf[start, start + length)} to the line gathered so far. One array, reused: a
     * line crosses a buffer boundary every few dozen lines, and a fresh array each time was most
     * of an import's garbage.
     */
    private void carry(int carried, int start, int length) {
        if (length == 0) {
            return;
        }
        if (carried + length > carry.length) {
            carry = Arrays.copyOf(carry, Math.max(Math.max(carry.length * 2, 64 * 1024), carried + length));
        }
        System.arraycopy(buf, start, carry, carried, length);
    }

    private String text(int carried, int start, int length) {
        byte[] bytes = buf;
        if (carried > 0) {
            carry(carried, start, length);
            bytes = carry;
            start = 0;
            length += carried;
        }
        if (length > 0 && bytes[start + length - 1] == '\r') {
            length--;
        }
        String line = new String(bytes, start, length, StandardCharsets.UTF_8);
        if (carry.length > 1 << 20) {
            carry = new byte[0]; // an odd huge line: do not keep its buffer for the rest of the file
        }
        return line;
    }

    private boolean fill() throws IOException {
        int n;
        try {
            n = in.read(buf, 0, buf.length);
        } catch (EOFException e) {
            if (maybeTruncated) {
                endedInsideBlock = true;
                return false;
            }
            throw corrupt(e);
        } catch (EventLogException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt(e);
        }
        if (n <= 0) {
            return false;
        }
        end = n;
        inflated += n;
        limits.inflatedSoFar += n;
        if (limits.inflatedSoFar > limits.maxInflated) {
            throw new EventLogException(
                    Kind.DECOMPRESSION_BOMB,
                    file,
                    null,
                    "the upload inflates to more than " + size(limits.maxInflated)
                            + " (lab.imports.max-inflated-bytes)");
        }
        long compressed = compressedRead.getAsLong();
        if (inflated > RATIO_FLOOR && compressed > 0 && inflated / compressed > limits.maxRatio) {
            throw new EventLogException(
                    Kind.DECOMPRESSION_BOMB,
                    file,
                    null,
                    file + " inflates more than " + limits.maxRatio + " times (" + size(compressed) + " became "
                            + size(inflated) + " at line " + (lineNumber + 1)
                            + "): a decompression bomb, not an event log (lab.imports.max-ratio)");
        }
        return true;
    }

    private EventLogException corrupt(Exception e) {
        return new EventLogException(
                Kind.CORRUPT_COMPRESSION,
                file,
                lineNumber + 1,
                "the compressed data of " + file + " is corrupt at line " + (lineNumber + 1) + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                e);
    }

    private static String size(long bytes) {
        return dev.breaklab.run.Figures.bytes(bytes);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
