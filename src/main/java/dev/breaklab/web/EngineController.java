package dev.breaklab.web;

import dev.breaklab.engine.EngineInfo;
import dev.breaklab.engine.SparkEngine;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class EngineController {

    private final SparkEngine engine;

    EngineController(SparkEngine engine) {
        this.engine = engine;
    }

    @GetMapping("/api/engine")
    EngineInfo engine() {
        return engine.info();
    }
}
