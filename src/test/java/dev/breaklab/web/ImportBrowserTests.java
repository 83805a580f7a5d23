package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.telemetry.RealEventLogs;
import dev.breaklab.telemetry.RunStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The import page in headless Chromium: a log real Spark wrote is uploaded through the form, its
 * progress followed to SUCCEEDED, its runs listed with the lesson each finding points to, and an
 * imported run opens like any run, every link it shows leading somewhere; a file that is no event log shows the server's problem.
 */
@LabTest
class ImportBrowserTests {

    @LocalServerPort
    int port;

    @Autowired
    SparkSession spark;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    EventLogs eventLogs;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void a_log_uploaded_on_the_import_page_becomes_runs_that_name_their_lessons() throws Exception {
        Path log = RealEventLogs.get(spark, new Runs(engine, validator, store), eventLogs)
                .logs
                .get("lz4");
        try (Browser browser = Browser.open(port)) {
            browser.go("/imports");
            browser.find("#import-file").sendKeys(log.toAbsolutePath().toString());
            browser.find("#import-submit").click();
            browser.await(
                    Duration.ofMinutes(2),
                    d -> "SUCCEEDED".equals(browser.find("#import-state").getText()) ? true : null);
            WebElement lesson =
                    browser.awaitVisible("#import-runs [data-lesson='tiny-partitions']", Duration.ofSeconds(30));
            assertThat(lesson.getText()).contains("This is what tiny-partitions shows: run it");
            assertThat(browser.find("#import-figures").getText()).contains("events read");
            browser.screenshot("10-import");

            WebElement row = lesson.findElement(By.xpath("./ancestor::tr"));
            row.findElement(By.cssSelector("a")).click();
            browser.await(
                    Duration.ofSeconds(30),
                    d -> "SUCCEEDED".equals(browser.find("#run-status").getDomAttribute("data-status")) ? true : null);
            assertThat(browser.find("#run-title").getText()).startsWith("Imported:");
            browser.awaitVisible("#findings [data-lesson='tiny-partitions']", Duration.ofSeconds(30));
            assertThat(browser.find("#spark-ui").isDisplayed()).isFalse();
            assertThat(browser.find("#event-log").isDisplayed()).isFalse();
            assertThat(browser.find("#experiment-link").getDomAttribute("href"))
                    .startsWith("/runs?experiment=import&variant=");
            // Every link the imported run's page shows leads somewhere (no experiment page for "import").
            for (WebElement a : browser.all("main a[href]")) {
                if (!a.isDisplayed()) {
                    continue;
                }
                String href = a.getDomProperty("href");
                if (!href.startsWith("http://localhost:" + port)) {
                    continue;
                }
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(URI.create(href)).build(), HttpResponse.BodyHandlers.discarding());
                assertThat(response.statusCode())
                        .as(a.getText() + " -> " + href)
                        .isLessThan(400);
            }
            browser.screenshot("11-imported-run");

            browser.find("#experiment-link").click();
            browser.awaitVisible("#runs-table tbody tr[data-run]", Duration.ofSeconds(30));
            assertThat(browser.all("#runs-table tbody tr[data-run]"))
                    .isNotEmpty()
                    .allSatisfy(tr -> assertThat(tr.findElement(By.cssSelector("td:nth-child(2) a"))
                                    .getDomAttribute("href"))
                            .isEqualTo("/imports"));

            Path csv = Files.createTempFile("not-a-log", ".csv");
            Files.writeString(csv, "a,b,c\n1,2,3\n");
            browser.go("/imports");
            browser.find("#import-file").sendKeys(csv.toAbsolutePath().toString());
            browser.find("#import-submit").click();
            WebElement problem = browser.awaitVisible("#import-error", Duration.ofSeconds(30));
            assertThat(problem.getText()).contains("Not a Spark event log");
            assertThat(browser.consoleErrors()).as("console errors").allMatch(e -> e.contains("400"));
        }
    }
}
