package dev.breaklab.web;

import dev.breaklab.engine.EventLogImports;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The import page: upload a Spark event log, follow its replay, open the runs it became. */
@Controller
class ImportPageController {

    private final EventLogImports imports;

    ImportPageController(EventLogImports imports) {
        this.imports = imports;
    }

    @GetMapping("/imports")
    String imports(Model model) {
        // The page refuses a file over the limit before sending it: a server that refuses a request
        // body it has not read closes the connection, and a browser then shows no answer at all.
        model.addAttribute("maxBytes", imports.maxBytes());
        return "imports";
    }
}
