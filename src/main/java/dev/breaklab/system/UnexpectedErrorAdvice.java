package dev.breaklab.system;

import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The last net for the API: anything unexpected becomes a 500 problem detail, never a stack trace.
 * Expected errors (bad input, not found, a full queue) are {@code ErrorResponseException}s that
 * Spring's problem-details handler, ordered first, renders on its own.
 */
@RestControllerAdvice(annotations = RestController.class)
@Order(Ordered.LOWEST_PRECEDENCE)
class UnexpectedErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(UnexpectedErrorAdvice.class);

    @ExceptionHandler(Exception.class)
    ProblemDetail unexpected(Exception e) {
        log.error("Unexpected error in the API", e);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "The lab hit an unexpected error: " + e.getClass().getSimpleName());
        problem.setType(URI.create("urn:spark-break-lab:problem:internal"));
        problem.setTitle("Internal error");
        return problem;
    }
}
