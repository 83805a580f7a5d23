package dev.breaklab.engine;

import dev.breaklab.telemetry.EventLogException;
import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * RFC 9457 problem details for event logs that cannot be imported or downloaded: one type per
 * kind of bad input ({@code urn:spark-break-lab:problem:event-log-not-json}, ...), the upload's
 * field, and the file and line at fault where there is one.
 */
public final class EventLogProblems {

    private EventLogProblems() {}

    public static ProblemDetail of(EventLogException e) {
        HttpStatus status =
                e.kind() == EventLogException.Kind.TOO_LARGE ? HttpStatus.CONTENT_TOO_LARGE : HttpStatus.BAD_REQUEST;
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        body.setType(URI.create("urn:spark-break-lab:problem:event-log-"
                + e.kind().name().toLowerCase(Locale.ROOT).replace('_', '-')));
        body.setTitle(title(e.kind()));
        body.setProperty("field", "file");
        if (e.file() != null) {
            body.setProperty("file", e.file());
        }
        if (e.line() != null) {
            body.setProperty("line", e.line());
        }
        return body;
    }

    public static ErrorResponseException exception(EventLogException e) {
        ProblemDetail body = of(e);
        return new ErrorResponseException(HttpStatus.valueOf(body.getStatus()), body, e);
    }

    public static ErrorResponseException problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(URI.create("urn:spark-break-lab:problem:" + type));
        body.setTitle(title);
        return new ErrorResponseException(status, body, null);
    }

    private static String title(EventLogException.Kind kind) {
        return switch (kind) {
            case WRONG_FORMAT -> "Not a Spark event log";
            case CORRUPT_COMPRESSION -> "Corrupt compression";
            case NOT_JSON -> "A line is not JSON";
            case NOT_AN_EVENT -> "A line is not a Spark event";
            case UNSUPPORTED_VERSION -> "Unsupported Spark version";
            case TOO_LARGE -> "Upload too large";
            case DECOMPRESSION_BOMB -> "Decompression bomb";
            case LINE_TOO_LONG -> "Line too long";
            case NOTHING_TO_IMPORT -> "Nothing to import";
        };
    }
}
