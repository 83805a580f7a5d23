package dev.breaklab.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The import page: upload a Spark event log, follow its replay, open the runs it became. */
@Controller
class ImportPageController {

    @GetMapping("/imports")
    String imports() {
        return "imports";
    }
}
