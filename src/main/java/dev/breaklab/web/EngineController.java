package dev.breaklab.web;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.breaklab.engine.EngineInfo;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.SparkEngine;
import org.springframework.web.bind.annotation.GetMapping;
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
     * {@code applicationStartTime} are in the running application's log.
     */
    record EngineView(
            @JsonUnwrapped EngineInfo engine,
            String eventLogDir,
            String historyServerUrl,
            java.time.Instant applicationStartTime) {}

    @GetMapping("/api/engine")
    EngineView engine() {
        return new EngineView(
                engine.info(),
                eventLogs.directory().toString(),
                eventLogs.historyServerUrl(),
                eventLogs.applicationStartTime());
    }
}
