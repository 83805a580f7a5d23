package dev.breaklab.web;

import dev.breaklab.engine.EventLogImports;
import java.net.URI;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;

/**
 * An upload over {@code spring.servlet.multipart.*} is refused while the request is parsed, before
 * any controller runs: answer it as the import API's own 413 problem, naming the limit.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class UploadLimitAdvice {

    /** Optional: web slice tests load every advice without the engine's beans. */
    private final ObjectProvider<EventLogImports> imports;

    UploadLimitAdvice(ObjectProvider<EventLogImports> imports) {
        this.imports = imports;
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ProblemDetail tooLarge(MaxUploadSizeExceededException e) {
        EventLogImports known = imports.getIfAvailable();
        long limit = known != null ? known.maxBytes() : e.getMaxUploadSize();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.CONTENT_TOO_LARGE,
                "the upload is larger than the limit of " + limit / (1024 * 1024)
                        + " MB (lab.imports.max-bytes and spring.servlet.multipart.max-file-size)");
        problem.setType(URI.create("urn:spark-break-lab:problem:event-log-too-large"));
        problem.setTitle("Upload too large");
        problem.setProperty("field", "file");
        return problem;
    }
}
