package dev.breaklab.web;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.breaklab.engine.EngineInfo;
import dev.breaklab.engine.EngineMode;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.SparkEngine;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class EngineController {

    private final SparkEngine engine;
    private final EventLogs eventLogs;

    EngineController(SparkEngine engine, EventLogs eventLogs) {
        this.engine = engine;
        this.eventLogs = eventLogs;
    }

    /**
     * The engine, and where its Spark event logs go: {@code eventLogDir} ({@code spark.eventLog.dir})
     * and, when {@code lab.history-server.url} is set, {@code historyServerUrl}; runs submitted since
     * {@code applicationStartTime} are in the running application's log (null while Spark starts).
     */
    record EngineView(
            @JsonUnwrapped EngineInfo engine,
            String eventLogDir,
            String historyServerUrl,
            java.time.Instant applicationStartTime) {}

    /** {@code PUT /api/engine}: the mode to switch to. */
    record EngineSwitchRequest(String mode) {}

    @GetMapping("/api/engine")
    EngineView engine() {
        return new EngineView(
                engine.info(),
                eventLogs.directory().toString(),
                eventLogs.historyServerUrl(),
                eventLogs.applicationStartTime());
    }

    /**
     * Switches the engine to another mode (the lab's own user only, workshop/SecurityConfiguration):
     * 202 and the engine as it starts switching ({@code GET /api/engine} shows the progress), 200 when
     * it already runs in that mode, 409 while it starts or switches or when remote has no cluster.
     */
    @PutMapping("/api/engine")
    ResponseEntity<EngineView> switchEngine(@RequestBody EngineSwitchRequest request) {
        String name = request.mode();
        if (name == null || name.isBlank()) {
            throw invalidMode("mode is required");
        }
        EngineMode mode = EngineMode.find(name.trim()).orElseThrow(() -> invalidMode("'" + name + "' is not a mode"));
        SparkEngine.Switch outcome = engine.switchTo(mode);
        return ResponseEntity.status(outcome == SparkEngine.Switch.STARTED ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .body(engine());
    }

    /** A body that is not JSON, or not an object with a string {@code mode}: the same problem, naming the field. */
    @ExceptionHandler(HttpMessageNotReadableException.class)
    ProblemDetail unreadable(HttpMessageNotReadableException e) {
        return invalidMode("the body must be JSON like {\"mode\": \"local-cluster\"}")
                .getBody();
    }

    private static ErrorResponseException invalidMode(String detail) {
        return RunProblems.invalid("mode", detail, "one of " + EngineMode.names());
    }
}
