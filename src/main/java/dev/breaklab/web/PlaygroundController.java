package dev.breaklab.web;

import dev.breaklab.playground.PlaygroundRuns;
import dev.breaklab.playground.TpchData;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * The playground: the page with the editor, and the datasets it can query. Runs go through {@code
 * POST /api/runs} like every other run ({@link RunController}).
 */
@Controller
class PlaygroundController {

    private final PlaygroundRuns playground;

    PlaygroundController(PlaygroundRuns playground) {
        this.playground = playground;
    }

    /** The TPC-H tables, generated on first use: name, columns, rows, notes (skew). */
    @GetMapping("/api/playground/tables")
    @ResponseBody
    List<TpchData.TableInfo> tables() {
        return playground.tables();
    }

    @GetMapping("/playground")
    String page(Model model) {
        model.addAttribute("tables", playground.tables());
        model.addAttribute("settings", settings());
        model.addAttribute("limits", playground.limits());
        return "playground";
    }

    private Map<String, String> settings() {
        return playground.settings();
    }
}
