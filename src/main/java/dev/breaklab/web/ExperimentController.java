package dev.breaklab.web;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Concept;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunProblems;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

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
            ExperimentDefinition.Requires requires) {

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

    /**
     * The experiment as its page reads it: the definition, each variant with {@code settings}, every
     * Spark setting a run of it applies with the variant's knob values (its conf, then the knobs that
     * drive a setting): exactly what the engine sets and what the SQL tab shows as {@code SET} lines.
     */
    record ExperimentView(
            @JsonUnwrapped @JsonIgnoreProperties("variants") ExperimentDefinition definition,
            List<VariantView> variants) {

        static ExperimentView of(ExperimentDefinition d) {
            return new ExperimentView(
                    d,
                    d.variants().stream()
                            .map(v -> new VariantView(v, d.conf(v, d.knobValues(v, Map.of()))))
                            .toList());
        }
    }

    record VariantView(@JsonUnwrapped Variant variant, Map<String, String> settings) {}

    @GetMapping("/{id}")
    ExperimentView get(@PathVariable String id) {
        return ExperimentView.of(definition(id));
    }

    /**
     * The variant as a runnable snippet ({@code lang=sql} or {@code java}) with its default knob
     * values: the settings the lab applies, then the lesson's code.
     */
    @GetMapping(value = "/{id}/snippet", produces = MediaType.TEXT_PLAIN_VALUE)
    String snippet(
            @PathVariable String id, @RequestParam String variant, @RequestParam(defaultValue = "java") String lang) {
        ExperimentDefinition d = definition(id);
        Variant v = d.variant(variant)
                .orElseThrow(() -> RunProblems.notFound(
                        "variant",
                        variant,
                        "one of "
                                + String.join(
                                        ", ",
                                        d.variants().stream().map(Variant::name).toList())));
        return SnippetText.of(d, v, d.knobValues(v, Map.of()), lang);
    }

    private ExperimentDefinition definition(String id) {
        return catalog.find(id)
                .map(e -> e.definition())
                .orElseThrow(() -> RunProblems.notFound(
                        "id",
                        id,
                        "one of "
                                + String.join(
                                        ", ",
                                        catalog.all().stream()
                                                .map(e -> e.definition().id())
                                                .toList())));
    }
}
