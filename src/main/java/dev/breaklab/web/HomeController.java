package dev.breaklab.web;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.engine.SparkEngine;
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

    @GetMapping("/")
    String home(Model model) {
        model.addAttribute(
                "experiments", catalog.all().stream().map(e -> e.definition()).toList());
        model.addAttribute("engine", engine.info());
        return "home";
    }
}
