package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Concept;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Variant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
@RequestMapping("/api/experiments")
class ExperimentController {

    private final Catalog catalog;

    ExperimentController(Catalog catalog) {
        this.catalog = catalog;
    }

    record VariantSummary(String name, String title, String description) {}

    record ExperimentSummary(
            String id,
            String title,
            String summary,
            List<Concept> concepts,
            List<VariantSummary> variants,
            List<String> knobs,
            List<String> questions,
            String requires) {

        static ExperimentSummary of(ExperimentDefinition d) {
            return new ExperimentSummary(
                    d.id(),
                    d.title(),
                    d.summary(),
                    d.concepts(),
                    d.variants().stream().map(ExperimentSummary::variant).toList(),
                    d.knobs().stream().map(k -> k.name()).toList(),
                    d.questions().stream().map(q -> q.id()).toList(),
                    d.requires());
        }

        private static VariantSummary variant(Variant v) {
            return new VariantSummary(v.name(), v.title(), v.description());
        }
    }

    @GetMapping
    List<ExperimentSummary> list() {
        return catalog.all().stream()
                .map(e -> ExperimentSummary.of(e.definition()))
                .toList();
    }

    @GetMapping("/{id}")
    ExperimentDefinition get(@PathVariable String id) {
        return catalog.find(id)
                .map(e -> e.definition())
                .orElseThrow(() -> new ResponseStatusException(
                        org.springframework.http.HttpStatus.NOT_FOUND, "experiment '" + id + "' does not exist"));
    }
}
