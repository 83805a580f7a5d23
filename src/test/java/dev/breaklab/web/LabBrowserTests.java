package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The learner's loop in a real browser against the real lab and real Spark: catalog, experiment,
 * predictions, a broken run watched live, evidence and the prediction reveal, the fixed run, and the
 * compare view's plan diff. Each page's screenshot lands in target/screenshots.
 */
@LabTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabBrowserTests {

    private static final Duration RUN_LIMIT = Duration.ofMinutes(3);

    @LocalServerPort
    int port;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    Browser browser;

    @BeforeAll
    void openBrowser() throws Exception {
        browser = Browser.open(port);
    }

    @AfterAll
    void closeBrowser() throws Exception {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void catalog_to_experiment_to_live_run_to_evidence_to_fix_to_compare() throws Exception {
        // Catalog: grouped by concept, filterable.
        browser.go("/");
        assertThat(browser.all(".concept-group h2"))
                .extracting(WebElement::getText)
                .contains("Partitions", "Joins");
        assertThat(browser.find("[data-engine-mode]").getText()).isEqualTo("embedded");
        browser.find("#filter").sendKeys("tiny");
        browser.await(Duration.ofSeconds(5), d -> !browser.find("[data-experiment='skewed-join']")
                .isDisplayed());
        assertThat(browser.find("[data-experiment='tiny-partitions']").isDisplayed())
                .isTrue();
        browser.screenshot("01-catalog");
        browser.find("#filter").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        browser.find("[data-experiment='tiny-partitions'] h3 a").click();

        // Experiment: story, code, knobs checked in the browser before anything is sent.
        browser.awaitVisible("#f-knobs_shufflePartitions", Duration.ofSeconds(10));
        assertThat(browser.find(".story").getText()).contains("spark.sql.shuffle.partitions");
        assertThat(browser.all("#code-java .hljs-keyword, #code-java .hljs-string"))
                .as("code is highlighted")
                .isNotEmpty();

        // The SQL tab: the chosen variant's settings as SET lines, then its query; a variant change
        // rewrites them. "Copy as snippet" brings the variant's settings too.
        browser.find("#tab-sql").click();
        String brokenSql =
                browser.awaitVisible("#sql-code", Duration.ofSeconds(5)).getText();
        assertThat(brokenSql)
                .startsWith("SET spark.sql.adaptive.enabled=false;")
                .contains("SET spark.sql.shuffle.partitions=1000;", "FROM range(${rows})");
        assertThat(browser.all("#sql-code .hljs-keyword"))
                .as("SQL is highlighted")
                .isNotEmpty();
        browser.find("input[name=variant][value=sane-partitions]").click();
        browser.await(
                Duration.ofSeconds(5),
                d -> browser.find("#sql-code").getText().contains("SET spark.sql.shuffle.partitions=8;"));
        assertThat(browser.find("#sql-code").getText())
                .doesNotContain("spark.sql.shuffle.partitions=1000")
                .contains("SET spark.sql.adaptive.enabled=false;");
        browser.find("#snippet-buttons button[data-lang='sql']").click();
        browser.await(Duration.ofSeconds(10), d -> browser.find("#snippet-text")
                .getAttribute("textContent")
                .contains("SET spark.sql.shuffle.partitions=8;"));
        assertThat(browser.find("#snippet-text").getAttribute("textContent"))
                .contains("SET spark.sql.adaptive.enabled=false;", "FROM range(200000)")
                .doesNotContain("${");
        assertThat(browser.find("#snippet-status").getText()).isNotBlank();
        browser.find("input[name=variant][value=broken]").click();
        browser.await(
                Duration.ofSeconds(5), d -> browser.find("#sql-code").getText().equals(brokenSql));
        browser.find("#tab-java").click();
        setNumber("#f-knobs_shufflePartitions", "20000");
        browser.find("#run-button").click();
        WebElement error = browser.awaitVisible("#f-knobs_shufflePartitions-error", Duration.ofSeconds(5));
        assertThat(error.getText()).contains("10000");
        assertThat(browser.driver.getCurrentUrl()).contains("/experiments/tiny-partitions");

        // Small data, but still a thousand tasks: long enough to watch, and the evidence holds.
        setNumber("#f-knobs_rows", "1000");
        setNumber("#f-knobs_keys", "100");
        setNumber("#f-knobs_shufflePartitions", "1000");
        setNumber("#f-predictions_aggregate-tasks", "1000");
        setNumber("#f-predictions_stages", "2");
        browser.find("input[data-question='aqe-coalesce'][value='yes']").click();
        browser.screenshot("02-experiment");
        browser.find("#run-button").click();

        // Live run view: stages appear and their progress moves before the run finishes.
        browser.await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("/runs/"));
        String brokenRun = runIdFromUrl();
        browser.await(RUN_LIMIT, d -> !browser.all("#stage-graph [data-stage]").isEmpty());
        List<Double> progress = new ArrayList<>();
        boolean sawRunning = false;
        boolean dropped = false;
        boolean liveShot = false;
        long until = System.currentTimeMillis() + RUN_LIMIT.toMillis();
        while (System.currentTimeMillis() < until) {
            String status = browser.find("#run-status").getAttribute("data-status");
            if (!"RUNNING".equals(status)) {
                break;
            }
            sawRunning = true;
            progress.add(totalProgress());
            if (!liveShot && progress.get(progress.size() - 1) >= 0.3) {
                browser.screenshot("03-run-live");
                liveShot = true;
            }
            if (progress.size() == 3) {
                // Drop the WebSocket mid-run: the page must reconnect and resync from a snapshot.
                browser.js("window.breaklab.connection.client.forceDisconnect()");
                dropped = true;
            }
            Thread.sleep(300);
        }
        assertThat(sawRunning).as("the run was seen running").isTrue();
        assertThat(progress.stream().distinct().count())
                .as("progress moved while running: %s", progress)
                .isGreaterThan(1);
        assertThat(progress).isSorted();

        assertThat(dropped)
                .as("the socket was dropped while the run was running")
                .isTrue();

        // Evidence and the prediction reveal, delivered over the reconnected stream.
        browser.await(
                Duration.ofSeconds(30), d -> "live".equals(browser.find("#conn").getAttribute("data-state")));
        assertThat(Integer.parseInt(browser.find("main").getAttribute("data-resyncs")))
                .as("snapshots requested: the first subscription and the one after the reconnect")
                .isGreaterThanOrEqualTo(2);
        browser.await(RUN_LIMIT, d -> !browser.all("#evidence [data-evidence]").isEmpty());
        assertThat(browser.find("#run-status").getAttribute("data-status")).isEqualTo("SUCCEEDED");
        assertThat(browser.find("#evidence [data-evidence='thousands-of-tasks']")
                        .getAttribute("class"))
                .contains("holds")
                .doesNotContain("not-holds");
        browser.await(Duration.ofSeconds(10), d -> !browser.all("#predictions tr[data-question]")
                .isEmpty());
        assertThat(browser.find("#predictions tr[data-question='aggregate-tasks']")
                        .getAttribute("class"))
                .isEqualTo("right");
        assertThat(browser.find("#predictions tr[data-question='aqe-coalesce']").getAttribute("class"))
                .isEqualTo("wrong");
        assertThat(browser.find("#stage-table tbody").getText()).contains("1,000/1,000");
        // The stage graph draws one edge per parent Spark named, and no other.
        RunSnapshot broken = store.find(brokenRun).orElseThrow();
        List<String> parentEdges = broken.stages().stream()
                .flatMap(st -> st.parentIds().stream().map(p -> p + "->" + st.stageId()))
                .distinct()
                .toList();
        assertThat(parentEdges)
                .as("a shuffle: the aggregate stage reads the map stage")
                .isNotEmpty();
        assertThat(browser.all("#stage-graph path.edge"))
                .extracting(e -> e.getAttribute("data-from") + "->" + e.getAttribute("data-to"))
                .containsExactlyInAnyOrderElementsOf(parentEdges);
        // The run as a snippet: its own settings.
        browser.find("#run-snippets button[data-lang='sql']").click();
        browser.await(Duration.ofSeconds(10), d -> browser.find("#snippet-text")
                .getAttribute("textContent")
                .contains("SET spark.sql.shuffle.partitions=1000;"));
        assertThat(browser.find("#snippet-text").getAttribute("textContent"))
                .contains("SET spark.sql.adaptive.enabled=false;", "FROM range(1000)");
        assertThat(browser.all("#plan-panes svg.plan-graph [data-node='HashAggregate']"))
                .isNotEmpty();
        assertThat(browser.all("#distributions svg rect.bar")).isNotEmpty();
        assertThat(browser.all("#timeline svg rect.span")).isNotEmpty();
        // Embedded mode: one lane group, the driver (the one executor), holding every task of the timeline.
        assertThat(browser.all("#timeline svg g.exec-group")).singleElement().satisfies(g -> {
            assertThat(g.getDomAttribute("data-executor")).isEqualTo("driver");
            assertThat(g.findElements(By.cssSelector("rect.span")))
                    .hasSameSizeAs(browser.all("#timeline svg rect.span"));
            assertThat(g.findElement(By.cssSelector("text.exec-name")).getText())
                    .isEqualTo("driver (local)");
            assertThat(g.findElement(By.cssSelector("g.exec-label")).getText())
                    .containsPattern("\\d+ cores? · \\d+ lanes?");
            // No more lanes than cores, however late the driver stamped a task finished.
            assertThat(Integer.parseInt(g.getDomAttribute("data-lanes")))
                    .isBetween(1, Integer.parseInt(g.getDomAttribute("data-cores")));
        });
        assertThat(browser.all("#timeline svg g.exec-marker"))
                .as("the driver was up before the run")
                .isEmpty();
        assertThat(browser.find("#driver-time").getText()).startsWith("Driver time outside jobs: ");
        // Where the selected stage's task time went: the server's phases, drawn as one stacked bar.
        assertThat(browser.all("#phases svg.phases rect[data-phase='computeMs']"))
                .isNotEmpty();
        assertThat(browser.find("#phases .phase-legend").getText()).contains("Executor computing", "%");
        // The timeline split into each task's phases, as the Spark UI's event timeline does.
        browser.find("#timeline-phases").click();
        browser.await(Duration.ofSeconds(10), d -> !browser.all("#timeline svg g.span rect.phase.ph-compute")
                .isEmpty());
        browser.screenshot("04-run-finished");

        // The fix: same data, AQE on.
        browser.find("#run-fix").click();
        browser.awaitVisible("#f-knobs_rows", Duration.ofSeconds(10));
        assertThat(browser.find("input[name=variant][value=fixed]").isSelected())
                .isTrue();
        assertThat(browser.find("#variant-details").getText()).contains("spark.sql.adaptive.enabled");
        setNumber("#f-knobs_rows", "1000");
        setNumber("#f-knobs_keys", "100");
        setNumber("#f-knobs_shufflePartitions", "1000");
        browser.find("#run-button").click();
        browser.await(
                Duration.ofSeconds(20),
                d -> d.getCurrentUrl().contains("/runs/") && !d.getCurrentUrl().contains(brokenRun));
        String fixedRun = runIdFromUrl();
        browser.await(RUN_LIMIT, d -> !browser.all("#evidence [data-evidence]").isEmpty());
        assertThat(browser.find("#evidence [data-evidence='coalesced']").getAttribute("class"))
                .contains("holds")
                .doesNotContain("not-holds");
        // AQE re-planned: more than one plan version, and the step-through shows what it added.
        assertThat(browser.all("#plan-versions [data-version]").size()).isGreaterThan(1);
        browser.await(Duration.ofSeconds(10), d -> !browser.all(
                        "#plan-panes [data-node='AQEShuffleRead'][data-state='added']")
                .isEmpty());
        assertThat(browser.find("#plan-diff-summary").getText()).contains("AQEShuffleRead coalesced added");
        browser.screenshot("05-run-fixed");

        // Compare: broken vs fixed by default, with the plan diff.
        browser.find("header.top nav a[href='/compare']").click();
        browser.awaitVisible(".plan-compare", Duration.ofSeconds(20));
        assertThat(browser.find("#pick-a").getAttribute("value")).isEqualTo(brokenRun);
        assertThat(browser.find("#pick-b").getAttribute("value")).isEqualTo(fixedRun);
        assertThat(browser.find(".plan-compare").getAttribute("data-diff")).contains("AQEShuffleRead");
        assertThat(browser.all(".plan-compare .after [data-node='AQEShuffleRead'][data-state='added']"))
                .isNotEmpty();
        assertThat(browser.find("tr[data-metric='keyStageTasks']").getText()).contains("1,000");
        browser.screenshot("06-compare");

        // Runs list: both runs, newest first.
        browser.find("header.top nav a[href='/runs']").click();
        browser.await(Duration.ofSeconds(10), d -> !browser.all("#runs-table tr[data-run]")
                .isEmpty());
        List<String> ids = browser.all("#runs-table tr[data-run]").stream()
                .map(r -> r.getAttribute("data-run"))
                .toList();
        assertThat(ids).containsSubsequence(fixedRun, brokenRun);
        browser.screenshot("07-runs");

        // A narrow window: the page itself never scrolls sideways (wide charts scroll in their box).
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(480, 900));
        browser.go("/runs/" + brokenRun);
        browser.await(Duration.ofSeconds(20), d -> !browser.all("#evidence [data-evidence]")
                .isEmpty());
        Number overflow = (Number) browser.js("return document.documentElement.scrollWidth - window.innerWidth");
        assertThat(overflow.intValue()).as("horizontal overflow at 480 px").isLessThanOrEqualTo(1);
        browser.screenshot("08-run-narrow");

        assertThat(browser.consoleErrors()).as("console errors").isEmpty();
    }

    @Test
    void a_failed_run_shows_sparks_error_class_and_message() throws Exception {
        RunSnapshot failed = new Runs(engine, validator, store).run("collect-too-much", "broken");
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);

        browser.go("/runs/" + failed.id());
        WebElement error = browser.awaitVisible("#error", Duration.ofSeconds(20));
        assertThat(browser.find("#error .error-class").getText())
                .isEqualTo(failed.error().errorClass());
        assertThat(error.getText()).contains("spark.driver.maxResultSize");
        assertThat(browser.find("#run-status").getAttribute("data-status")).isEqualTo("FAILED");
        browser.screenshot("09-run-failed");
    }

    private void setNumber(String css, String value) {
        WebElement input = browser.find(css);
        input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
        input.sendKeys(value);
    }

    private String runIdFromUrl() {
        String url = browser.driver.getCurrentUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** Completed tasks over all tasks of the stages drawn in the graph. */
    private double totalProgress() {
        Object value = browser.js("""
                const stages = [...document.querySelectorAll('#stage-table tbody progress')];
                return stages.reduce((a, p) => a + Number(p.value), 0)
                    / Math.max(1, stages.reduce((a, p) => a + Number(p.max), 0));""");
        return ((Number) value).doubleValue();
    }
}
