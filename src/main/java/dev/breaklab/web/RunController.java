package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/runs")
class RunController {

    private final RunEngine engine;
    private final RunRequestValidator validator;
    private final RunSnapshots runs;
    private final Catalog catalog;

    RunController(RunEngine engine, RunRequestValidator validator, RunSnapshots runs, Catalog catalog) {
        this.engine = engine;
        this.validator = validator;
        this.runs = runs;
        this.catalog = catalog;
    }

    /** A run in a list: enough to show and link it. */
    record RunSummary(
            String id,
            String experimentId,
            String variant,
            String status,
            Instant submittedAt,
            Instant finishedAt,
            Long durationMs,
            String result,
            String errorClass) {

        static RunSummary of(RunSnapshot s) {
            return new RunSummary(
                    s.id(),
                    s.experimentId(),
                    s.variant(),
                    s.status().name(),
                    s.submittedAt(),
                    s.finishedAt(),
                    s.durationMs(),
                    s.result(),
                    s.error() == null ? null : s.error().errorClass());
        }
    }

    /** Bad input is refused here, before the engine sees it: nothing starts. */
    @PostMapping
    ResponseEntity<RunSnapshot> submit(@RequestBody RunRequest request) {
        RunSnapshot snapshot = engine.submit(validator.validate(request));
        return ResponseEntity.accepted()
                .location(URI.create("/api/runs/" + snapshot.id()))
                .body(snapshot);
    }

    @GetMapping
    List<RunSummary> list() {
        return runs.newestFirst().stream().map(RunSummary::of).toList();
    }

    @GetMapping("/{id}")
    RunSnapshot get(@PathVariable String id) {
        return runs.find(id).orElseThrow(() -> RunProblems.notFound("id", id, "the id of a retained run"));
    }

    /** Plan diffs and metric deltas of two retained runs; 404 problem naming the unknown one. */
    @GetMapping("/{a}/compare/{b}")
    RunComparison compare(@PathVariable String a, @PathVariable String b) {
        return RunComparison.of(retained("a", a), retained("b", b));
    }

    /**
     * What AQE changed between two versions of one SQL execution's plan, with the node paths the run
     * page marks; without {@code from}, against the nearest earlier version that differs.
     */
    @GetMapping("/{id}/plans/{executionId}/diff")
    PlanVersionDiff planDiff(
            @PathVariable String id,
            @PathVariable long executionId,
            @RequestParam(required = false) Integer from,
            @RequestParam(required = false) Integer to) {
        return PlanVersionDiff.of(retained("id", id), executionId, from, to);
    }

    private RunSnapshot retained(String field, String id) {
        return runs.find(id).orElseThrow(() -> RunProblems.notFound(field, id, "the id of a retained run"));
    }

    /** The run as a runnable snippet: its settings and knob values, then the lesson's code. */
    @GetMapping(value = "/{id}/snippet", produces = MediaType.TEXT_PLAIN_VALUE)
    String snippet(@PathVariable String id, @RequestParam(defaultValue = "java") String lang) {
        RunSnapshot run = retained("id", id);
        ExperimentDefinition d = catalog.find(run.experimentId())
                .map(Experiment::definition)
                .orElseThrow(() -> RunProblems.notFound("id", id, "a run of a catalog experiment"));
        Variant variant = d.variant(run.variant()).orElseThrow();
        return SnippetText.of(d, variant, d.knobValues(variant, run.knobs()), lang);
    }

    @DeleteMapping("/{id}")
    RunSnapshot cancel(@PathVariable String id) {
        return engine.cancel(id);
    }
}
