package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Concept;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.engine.EngineMode;
import dev.breaklab.engine.SparkEngine;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;

/**
 * The lab's pages. Each renders what is known at request time (the experiment's
 * story and code) and leaves the live parts to the page's ES module, which reads the REST API and
 * follows the STOMP stream; a page works from a bookmark, with or without earlier navigation.
 */
@Controller
class PageController {

    private final Catalog catalog;
    private final SparkEngine engine;

    PageController(Catalog catalog, SparkEngine engine) {
        this.catalog = catalog;
        this.engine = engine;
    }

    /** The catalog's sections: each experiment sits under its first (main) concept. */
    record ConceptGroup(Concept concept, List<ExperimentDefinition> experiments) {}

    @GetMapping("/")
    String home(Model model, Authentication user) {
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
        model.addAttribute(
                "engineModes",
                Arrays.stream(EngineMode.values()).map(EngineMode::json).toList());
        model.addAttribute("localUser", isLocal(user));
        return "home";
    }

    @GetMapping("/experiments/{id}")
    String experiment(@PathVariable String id, Model model, Authentication user) {
        ExperimentDefinition definition = catalog.find(id)
                .map(e -> e.definition())
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no experiment '" + id + "'"));
        model.addAttribute("experiment", definition);
        model.addAttribute("story", definition.story().split("\\n\\s*\\n"));
        model.addAttribute("engine", engine.info());
        model.addAttribute("localUser", isLocal(user));
        return "experiment";
    }

    /** The lab's own user (a token-less request from this machine) may switch the engine; the pages offer it to no one else. */
    private static boolean isLocal(Authentication user) {
        return user != null && user.getAuthorities().stream().anyMatch(a -> "ROLE_LOCAL".equals(a.getAuthority()));
    }

    @GetMapping("/runs")
    String runs() {
        return "runs";
    }

    @GetMapping("/runs/{id}")
    String run(@PathVariable String id, Model model) {
        model.addAttribute("runId", id);
        return "run";
    }

    /** Two runs side by side; without both ids the page picks the latest broken and fixed runs. */
    @GetMapping("/compare")
    String compare(
            @RequestParam(required = false) String a,
            @RequestParam(required = false) String b,
            @RequestParam(required = false) String experiment,
            Model model) {
        model.addAttribute("a", a);
        model.addAttribute("b", b);
        model.addAttribute("experimentId", experiment);
        return "compare";
    }
}
