package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.ExperimentDefinition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Which lesson teaches each finding: the catalog's experiments by their {@code primaryFinding}, so a
 * finding on any run (an imported one above all) can say "this is what skewed-join shows: run it".
 */
@RestController
class LessonLinkController {

    /** An experiment that teaches a finding. */
    record Lesson(String id, String title) {}

    private final Map<String, List<Lesson>> byFinding;

    LessonLinkController(Catalog catalog) {
        Map<String, List<Lesson>> map = new LinkedHashMap<>();
        for (var experiment : catalog.all()) {
            ExperimentDefinition d = experiment.definition();
            if (d.primaryFinding() != null) {
                map.computeIfAbsent(d.primaryFinding(), k -> new ArrayList<>()).add(new Lesson(d.id(), d.title()));
            }
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        this.byFinding = Map.copyOf(map);
    }

    /** {@code {findingKind: [{id, title}]}}: the lessons whose broken variant is about that finding. */
    @GetMapping("/api/findings/lessons")
    Map<String, List<Lesson>> lessons() {
        return byFinding;
    }
}
