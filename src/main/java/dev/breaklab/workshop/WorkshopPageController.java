package dev.breaklab.workshop;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The workshop pages: a form to create one, the instructor's console and the learner's page. They
 * hold no secret: the pages' script keeps the token in the browser (localStorage) and sends it as
 * {@code Authorization: Bearer}; the console's link carries it in the fragment, which no request sends.
 */
@Controller
class WorkshopPageController {

    private final Catalog catalog;

    WorkshopPageController(Catalog catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/workshops")
    String create(Model model) {
        model.addAttribute(
                "experiments",
                catalog.all().stream().map(Experiment::definition).toList());
        return "workshops";
    }

    @GetMapping("/workshops/{id}/console")
    String console(@PathVariable String id, Model model) {
        model.addAttribute("workshopId", id);
        return "workshop-console";
    }

    @GetMapping("/join")
    String join() {
        return "workshop-join";
    }
}
