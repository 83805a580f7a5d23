package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.Select;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The playground in a real browser: a refused query shows the construct next to the editor; a
 * query with settings and predictions runs, opens the run view, and its predictions and the stage
 * predictor's reading are revealed there; "Save as link" round-trips query and settings.
 */
@LabTest
class PlaygroundBrowserTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);

    @LocalServerPort
    int port;

    @Test
    void write_predict_run_and_read_the_explanation() throws Exception {
        try (Browser browser = Browser.open(port)) {
            browser.go("/playground");
            assertThat(browser.find("aside.tables").getText()).contains("lineitem", "orders", "region");
            // The tables are generated in the background on first use; the page says when they are there.
            browser.await(RUN_LIMIT, d -> "READY"
                    .equals(browser.find("#tables-status").getAttribute("data-state")));
            // The editor highlights in place: the keywords of the query typed are marked up.
            assertThat(browser.all("#sql-highlight .hljs-keyword"))
                    .extracting(e -> e.getText())
                    .contains("SELECT", "FROM");

            // Refused: the construct is named beside the editor, and nothing runs.
            setSql(browser, "SELECT reflect('java.lang.System', 'getenv', 'HOME')");
            browser.find("#run-button").click();
            // The lab's first parse and analysis of a query loads much of Spark SQL: slow on a busy machine.
            browser.awaitVisible("#error-sql", RUN_LIMIT);
            assertThat(browser.find("#error-sql").getText()).contains("function reflect");
            assertThat(browser.driver.getCurrentUrl()).endsWith("/playground");

            setSql(
                    browser,
                    "SELECT c_mktsegment, count(*) AS n FROM customer JOIN orders ON c_custkey = o_custkey"
                            + " GROUP BY c_mktsegment");
            new Select(browser.find("#conf-aqe")).selectByValue("false");
            browser.find("#conf-broadcast").sendKeys("-1");
            browser.find("#conf-partitions").sendKeys("4");
            browser.find("#predict-stages").sendKeys("4");
            // One question per join of the plan, asked once the lab has read the query.
            browser.await(RUN_LIMIT, d -> browser.all("#predict-join-1").size() == 1);
            assertThat(browser.all("#join-questions select")).hasSize(1);
            assertThat(browser.find("label[for='predict-join-1']").getText()).contains("c_custkey = o_custkey");
            new Select(browser.find("#predict-join-1")).selectByVisibleText("SortMergeJoin");
            new Select(browser.find("#predict-aqe")).selectByVisibleText("no");

            browser.find("#link-button").click();
            browser.await(WAIT, d -> d.getCurrentUrl().contains("conf.spark.sql.adaptive.enabled=false"));
            String saved = browser.driver.getCurrentUrl();
            browser.screenshot("playground");

            browser.find("#run-button").click();
            browser.await(WAIT, d -> d.getCurrentUrl().contains("/runs/"));
            browser.await(RUN_LIMIT, d -> "SUCCEEDED"
                    .equals(browser.find("#run-status").getAttribute("data-status")));
            browser.await(
                    WAIT, d -> !browser.all("#predictions tr[data-question]").isEmpty());
            assertThat(browser.find("#predictions tr[data-question='stages']").getAttribute("class"))
                    .isEqualTo("right");
            assertThat(browser.find("#predictions tr[data-question='join-1']").getAttribute("class"))
                    .isEqualTo("right");
            browser.await(WAIT, d -> !browser.find("#stage-count").getText().isBlank());
            assertThat(browser.find("#stage-count").getText()).contains("4");
            browser.screenshot("playground-run");

            // The shared link brings the query and the settings back.
            browser.go(saved.substring(saved.indexOf("/playground")));
            assertThat(browser.find("#sql").getAttribute("value")).contains("GROUP BY c_mktsegment");
            assertThat(new Select(browser.find("#conf-aqe"))
                            .getFirstSelectedOption()
                            .getAttribute("value"))
                    .isEqualTo("false");
            assertThat(browser.find("#conf-partitions").getAttribute("value")).isEqualTo("4");
            // The one refusal above (of the run and of the questions about it) is the only failed request.
            assertThat(browser.consoleErrors())
                    .allMatch(e -> (e.contains("/api/runs - Failed to load resource")
                                    || e.contains("/api/playground/questions - Failed to load resource"))
                            && e.contains("400"));
        }
    }

    private static void setSql(Browser browser, String sql) {
        browser.js(
                "const t = document.getElementById('sql'); t.value = arguments[0];"
                        + " t.dispatchEvent(new Event('input'));",
                sql);
    }
}
