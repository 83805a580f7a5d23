package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import org.springframework.http.MediaType;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * One run: read, cancel, compare, snippet. Starting one is {@link RunSubmissionController}'s; the list
 * is {@link RunListController}'s.
 */
@RestController
@RequestMapping("/api/runs")
class RunController {

    private final RunSnapshots runs;
    private final Catalog catalog;
    private final RunEngine engine;

    RunController(RunSnapshots runs, Catalog catalog, RunEngine engine) {
        this.runs = runs;
        this.catalog = catalog;
        this.engine = engine;
    }

    @GetMapping("/{id}")
    RunSnapshot get(@PathVariable String id) {
        return retained("id", id);
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
        try {
            return engine.cancel(id);
        } catch (ErrorResponseException e) {
            // The engine knows only the runs in memory; one the history holds has long finished.
            if (e.getStatusCode().value() == 404
                    && runs.find(id).filter(r -> r.status().finished()).isPresent()) {
                throw RunProblems.conflict("run " + id + " has already finished ("
                        + runs.find(id).orElseThrow().status() + ")");
            }
            throw e;
        }
    }
}
