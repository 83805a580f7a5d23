package dev.breaklab.web;

import dev.breaklab.catalog.Question;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.playground.PlaygroundRuns;
import dev.breaklab.playground.TpchData;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * The playground: the page with the editor, the datasets it can query, and the questions the form
 * asks about a query. Runs go through {@code POST /api/runs} like every other run ({@link
 * RunController}).
 */
@Controller
class PlaygroundController {

    private final PlaygroundRuns playground;
    private final TpchData tpch;

    PlaygroundController(PlaygroundRuns playground, TpchData tpch) {
        this.playground = playground;
        this.tpch = tpch;
    }

    /**
     * The TPC-H tables: name, columns, rows, notes (skew). The first request starts generating them
     * in the background: until they exist the answer is 202 with {@code rows} null and a Retry-After
     * header; {@code GET /api/playground/tables/status} tells how far it got.
     */
    @GetMapping("/api/playground/tables")
    @ResponseBody
    ResponseEntity<List<TpchData.TableInfo>> tables() {
        List<TpchData.TableInfo> tables = playground.tables();
        if (tpch.status().state() == TpchData.State.READY) {
            return ResponseEntity.ok(tables);
        }
        return ResponseEntity.accepted().header("Retry-After", "2").body(tables);
    }

    /** Whether the tables exist, are being generated (how many written) or failed (why). */
    @GetMapping("/api/playground/tables/status")
    @ResponseBody
    TpchData.Status tablesStatus() {
        return tpch.status();
    }

    /**
     * The questions the form asks before running {@code playground}: stages, one join strategy per
     * join of the query's plan, AQE. The query is checked by the sandbox as for a run (400 naming
     * the refused construct); 503 while the tables are generated. Who may run may ask (SecurityConfiguration).
     */
    @PostMapping("/api/playground/questions")
    @ResponseBody
    List<Question> questions(@RequestBody RunRequest.Playground body) {
        return playground.questions(body);
    }

    @GetMapping("/playground")
    String page(Model model) {
        model.addAttribute("tables", playground.tables());
        model.addAttribute("tablesStatus", tpch.status());
        model.addAttribute("settings", playground.settings());
        model.addAttribute("limits", playground.limits());
        return "playground";
    }
}
