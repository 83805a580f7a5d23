package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.history.HistoryTestSupport;
import dev.breaklab.history.RunHistory;
import dev.breaklab.run.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The runs page in a real browser over the lab's own history: filters in the address bar, paging by Link. */
@LabTest
class RunsPageBrowserTests {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    RunHistory history;

    @Test
    void filters_and_pages_through_stored_runs() throws Exception {
        Instant start = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 55; i++) {
            history.save(HistoryTestSupport.minimal(
                    String.format("page-%02d", i),
                    "tiny-partitions",
                    "sane-partitions",
                    RunStatus.CANCELLED,
                    start.minus(i, ChronoUnit.MINUTES)));
        }
        try (Browser browser = Browser.open(port)) {
            browser.go("/runs?experiment=tiny-partitions&variant=sane-partitions&status=CANCELLED");
            browser.await(WAIT, d -> rows(browser).size() == 50);
            assertThat(rows(browser).get(0)).isEqualTo("page-00");
            assertThat(new Select(browser.find("#runs-variant"))
                            .getFirstSelectedOption()
                            .getText())
                    .isEqualTo("sane-partitions");
            assertThat(browser.find("#runs-prev").isEnabled()).isFalse();
            browser.screenshot("runs-history");

            browser.find("#runs-next").click();
            browser.await(WAIT, d -> rows(browser).size() == 5);
            assertThat(rows(browser).get(4)).isEqualTo("page-54");
            assertThat(browser.find("#runs-page").getText()).isEqualTo("page 2");
            assertThat(browser.find("#runs-next").isEnabled()).isFalse();
            assertThat(browser.driver.getCurrentUrl()).contains("page=1");

            browser.find("#runs-prev").click();
            browser.await(WAIT, d -> rows(browser).size() == 50);

            new Select(browser.find("#runs-status")).selectByValue("TIMED_OUT");
            browser.await(WAIT, d -> rows(browser).stream().noneMatch(id -> id.startsWith("page-")));
            assertThat(browser.driver.getCurrentUrl())
                    .contains("status=TIMED_OUT")
                    .doesNotContain("page=");

            new Select(browser.find("#runs-filter")).selectByValue("");
            browser.await(WAIT, d -> !browser.find("#runs-variant").isEnabled());
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    /** The run ids shown, read in one step (the table is redrawn as the page loads). */
    @SuppressWarnings("unchecked")
    private static List<String> rows(Browser browser) {
        return (List<String>) browser.js(
                "return [...document.querySelectorAll('#runs-table tbody tr[data-run]')].map(r => r.dataset.run)");
    }
}
