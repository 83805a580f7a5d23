package dev.breaklab.engine;

import java.net.URI;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** RFC 9457 problem details for the run API: each names the field at fault and what is allowed. */
public final class RunProblems {

    private RunProblems() {}

    public static ErrorResponseException notFound(String field, String value, String allowed) {
        return problem(
                HttpStatus.NOT_FOUND,
                "not-found",
                "Not found",
                field + " '" + value + "' does not exist",
                field,
                allowed);
    }

    public static ErrorResponseException invalid(String field, String detail, String allowed) {
        return problem(HttpStatus.BAD_REQUEST, "invalid-input", "Invalid input", detail, field, allowed);
    }

    public static ErrorResponseException conflict(String detail) {
        return problem(HttpStatus.CONFLICT, "conflict", "Conflict", detail, null, null);
    }

    /**
     * An experiment the engine's mode cannot run (a cluster lesson on the embedded engine). It carries
     * the {@code action} that fixes it: switching the engine to the local cluster (the lab's own user
     * may; the experiment page offers it as a button).
     */
    public static ErrorResponseException needsCluster(String experimentId) {
        ErrorResponseException e = problem(
                HttpStatus.CONFLICT,
                "needs-cluster",
                "Needs a cluster",
                experimentId + " needs separate executor processes, and the lab runs Spark embedded (local[N] in one"
                        + " JVM): start the local cluster (PUT /api/engine {\"mode\":\"local-cluster\"}), or start"
                        + " the lab with lab.engine.mode=local-cluster (or remote)",
                "experimentId",
                "an experiment that does not need a cluster, or lab.engine.mode=local-cluster or remote");
        e.getBody()
                .setProperty(
                        "action",
                        Map.of(
                                "title",
                                "Start the local cluster",
                                "method",
                                "PUT",
                                "href",
                                "/api/engine",
                                "body",
                                Map.of("mode", EngineMode.LOCAL_CLUSTER.json())));
        return e;
    }

    /** The engine cannot switch now or to that mode; {@code field} names the setting at fault, if any. */
    static ErrorResponseException engineConflict(String type, String detail, String field) {
        return problem(HttpStatus.CONFLICT, type, "Cannot switch the engine", detail, field, null);
    }

    public static ErrorResponseException queueFull(int capacity, long retryAfterSeconds) {
        ErrorResponseException e = problem(
                HttpStatus.TOO_MANY_REQUESTS,
                "queue-full",
                "Run queue is full",
                capacity + " runs are already waiting; try again in " + retryAfterSeconds + " s",
                null,
                null);
        e.getHeaders().set("Retry-After", Long.toString(retryAfterSeconds));
        return e;
    }

    private static ErrorResponseException problem(
            HttpStatus status, String type, String title, String detail, String field, String allowed) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(URI.create("urn:spark-break-lab:problem:" + type));
        body.setTitle(title);
        if (field != null) {
            body.setProperty("field", field);
        }
        if (allowed != null) {
            body.setProperty("allowed", allowed);
        }
        return new ErrorResponseException(status, body, null);
    }
}
