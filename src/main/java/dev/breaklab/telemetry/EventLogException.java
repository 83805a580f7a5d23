package dev.breaklab.telemetry;

import java.io.IOException;

/**
 * An event log the lab will not import, and why: what was wrong, in which file and on which line.
 * An {@link IOException} so that it passes through Spark's {@code ReplayListenerBus} unchanged.
 */
public final class EventLogException extends IOException {

    /** What was wrong; each maps to one problem type. */
    public enum Kind {
        WRONG_FORMAT,
        CORRUPT_COMPRESSION,
        NOT_JSON,
        NOT_AN_EVENT,
        UNSUPPORTED_VERSION,
        TOO_LARGE,
        DECOMPRESSION_BOMB,
        LINE_TOO_LONG,
        NOTHING_TO_IMPORT
    }

    private final Kind kind;
    private final String file;
    private final Long line;

    public EventLogException(Kind kind, String file, Long line, String message) {
        super(message);
        this.kind = kind;
        this.file = file;
        this.line = line;
    }

    public EventLogException(Kind kind, String file, Long line, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.file = file;
        this.line = line;
    }

    public Kind kind() {
        return kind;
    }

    /** The file inside the upload (a rolling log has several), or null. */
    public String file() {
        return file;
    }

    /** The 1-based line of that file, or null when the problem is not on a line. */
    public Long line() {
        return line;
    }
}
