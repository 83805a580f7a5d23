package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Concept;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.engine.SparkEngine;
import java.util.Arrays;
import java.util.List;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

@Controller
class HomeController {

    private final Catalog catalog;
    private final SparkEngine engine;

    HomeController(Catalog catalog, SparkEngine engine) {
        this.catalog = catalog;
        this.engine = engine;
    }

    /** The catalog's sections: each experiment sits under its first (main) concept. */
    record ConceptGroup(Concept concept, List<ExperimentDefinition> experiments) {}

    @GetMapping("/")
    String home(Model model) {
        List<ExperimentDefinition> all =
                catalog.all().stream().map(e -> e.definition()).toList();
        List<ConceptGroup> groups = Arrays.stream(Concept.values())
                .map(c -> new ConceptGroup(
                        c,
                        all.stream()
                                .filter(d ->
                                        !d.concepts().isEmpty() && d.concepts().get(0) == c)
                                .toList()))
                .filter(g -> !g.experiments().isEmpty())
                .toList();
        model.addAttribute("experiments", all);
        model.addAttribute("groups", groups);
        model.addAttribute("concepts", Concept.values());
        model.addAttribute("engine", engine.info());
        return "home";
    }
}
