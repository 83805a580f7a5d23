package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import dev.breaklab.web.Browser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A workshop in one real Chromium: the instructor's console in one tab, three learners in three
 * more (each tab keeps its own seat). Create, join by code, focus, answer, the live histogram, a
 * re-vote, the shared run, the reveal, a self-paced run with its queue position, the export with both
 * rounds.
 */
@LabTest
class WorkshopBrowserTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Test
    void an_instructor_and_three_learners_predict_watch_one_run_and_see_the_reveal() throws Exception {
        try (Browser browser = Browser.open(port)) {
            browser.go("/workshops");
            browser.find("input[name=experiments][value='tiny-partitions']").click();
            browser.find("#ws-create").click();
            browser.await(WAIT, d -> browser.find("#ws-code").getText().length() == 6);
            assertThat(browser.driver.getCurrentUrl()).contains("/console").doesNotContain("token");
            String code = browser.find("#ws-code").getText();
            String instructor = browser.driver.getWindowHandle();

            List<String> learners = new ArrayList<>();
            String[] names = {"Ada", "Grace", "<b>Linus</b>"};
            for (String name : names) {
                browser.driver.switchTo().newWindow(WindowType.TAB);
                browser.go("/join?code=" + code);
                browser.awaitVisible("#join-name", WAIT).sendKeys(name);
                browser.find("#join-submit").click();
                browser.awaitVisible("#ws-room", WAIT);
                browser.await(WAIT, d -> browser.find("#ws-me").getText().equals(name));
                learners.add(browser.driver.getWindowHandle());
            }

            browser.driver.switchTo().window(instructor);
            browser.await(WAIT, d -> browser.find("#ws-count").getText().equals("3"));
            browser.await(WAIT, d -> browser.all("#ws-tiles li").size() == 3);
            assertThat(browser.find("#ws-tiles").getText())
                    .as("a name is shown as text, never as markup")
                    .contains("<b>Linus</b>");
            browser.find("[data-focus='tiny-partitions']").click();
            browser.await(WAIT, d -> browser.find("#ws-focus").getText().contains("partitions"));
            browser.find("#ws-open").click();
            browser.await(WAIT, d -> browser.find("#ws-poll").getText().contains("open"));

            vote(browser, learners, "yes", "yes", "no");
            browser.driver.switchTo().window(instructor);
            browser.await(WAIT, d -> text(browser, "#ws-answered").startsWith("3 of 3"));
            String yes = "#ws-histogram > [data-question='aqe-coalesce'] li[data-answer='yes'] .count";
            browser.await(WAIT, d -> text(browser, yes).equals("2"));
            browser.screenshot("workshop-console-histogram");

            // Discuss, then vote again: Grace changes her mind one way, Linus the other.
            browser.find("#ws-close").click();
            browser.await(WAIT, d -> browser.find("#ws-poll").getText().contains("closed"));
            browser.find("#ws-revote").click();
            browser.await(WAIT, d -> text(browser, "#ws-answered").startsWith("0 of 3 answered in round 2"));
            vote(browser, learners, "yes", "no", "yes");
            browser.driver.switchTo().window(instructor);
            browser.await(WAIT, d -> text(browser, "#ws-answered").startsWith("3 of 3 answered in round 2"));
            browser.await(WAIT, d -> text(browser, yes).equals("2"));
            assertThat(text(browser, "#ws-previous [data-question='aqe-coalesce'] li[data-answer='no'] .count"))
                    .as("round 1 stays beside round 2")
                    .isEqualTo("1");
            browser.find("#ws-close").click();

            new Select(browser.find("#ws-variant")).selectByValue("fixed");
            browser.find("#ws-run").click();
            String runId = browser.awaitVisible("#ws-run-link", WAIT).getText();
            assertThat(new Runs(engine, validator, store)
                            .awaitFinished(runId, Duration.ofMinutes(5))
                            .status())
                    .isEqualTo(RunStatus.SUCCEEDED);
            browser.find("#ws-reveal").click();
            browser.awaitVisible("#ws-accuracy", WAIT);
            assertThat(text(browser, "[data-question='aqe-coalesce'] li.truth")).startsWith("yes");

            browser.driver.switchTo().window(learners.get(1));
            browser.awaitVisible("#ws-results li[data-question='aqe-coalesce'][data-correct='false']", WAIT);
            browser.await(WAIT, d -> text(browser, "#ws-progress").contains("succeeded"));
            assertThat(browser.find("#ws-run-link").getAttribute("href")).endsWith("/runs/" + runId);
            browser.driver.switchTo().window(learners.get(0));
            browser.awaitVisible("#ws-results li[data-question='aqe-coalesce'][data-correct='true']", WAIT);
            browser.screenshot("workshop-learner-reveal");

            // A reload returns the learner to the seat.
            browser.driver.navigate().refresh();
            browser.await(WAIT, d -> browser.find("#ws-me").getText().equals("Ada"));

            // Self-paced: Ada runs her own variant twice; the second waits its turn in the queue.
            browser.driver.switchTo().window(instructor);
            browser.find("#ws-pacing-switch").click();
            browser.await(WAIT, d -> browser.find("#ws-pacing").getText().equals("self-paced"));
            browser.driver.switchTo().window(learners.get(0));
            browser.awaitVisible("#ws-self-paced", WAIT);
            new Select(browser.find("#my-variant")).selectByValue("sane-partitions");
            browser.find("#my-run").click();
            browser.find("#my-run").click();
            browser.awaitVisible("#my-run-link", WAIT);
            browser.await(WAIT, d -> text(browser, "#my-position").startsWith("Queue position: 1"));
            browser.screenshot("workshop-learner-queue");
            browser.await(Duration.ofMinutes(3), d -> text(browser, "#my-queue").isEmpty());

            browser.driver.switchTo().window(instructor);
            browser.await(
                    WAIT, d -> text(browser, "#ws-tiles [data-participant]").contains("2 runs"));
            String csv = String.valueOf(browser.js("const x = new XMLHttpRequest();"
                    + " x.open('GET', '/api/workshops/' + document.querySelector('main').dataset.workshop"
                    + " + '/results.csv', false);"
                    + " x.setRequestHeader('authorization', 'Bearer ' + localStorage.getItem("
                    + "'breaklab.instructor.' + document.querySelector('main').dataset.workshop));"
                    + " x.send(); return x.responseText;"));
            assertThat(csv.lines().skip(1)).as("both rounds exported").hasSize(6);
            assertThat(csv)
                    .contains(",<b>Linus</b>,tiny-partitions,1,aqe-coalesce,no,yes,false,")
                    .contains(",<b>Linus</b>,tiny-partitions,2,aqe-coalesce,yes,yes,true,");

            assertThat(browser.consoleErrors().stream()
                            .filter(e -> !e.contains("Failed to load resource"))
                            .toList())
                    .isEmpty();
        }
    }

    /** Each learner's tab answers the open poll's question. */
    private static void vote(Browser browser, List<String> learners, String... predictions) {
        for (int i = 0; i < learners.size(); i++) {
            browser.driver.switchTo().window(learners.get(i));
            String radio = "input[name='q-aqe-coalesce'][value='" + predictions[i] + "']";
            browser.await(
                    WAIT,
                    d -> !browser.all(radio).isEmpty()
                            && browser.find(radio).isEnabled()
                            && text(browser, "#answer-status").isEmpty());
            browser.find(radio).click();
            browser.find("#answer-submit").click();
            browser.await(WAIT, d -> browser.find("#answer-status").getText().startsWith("Sent"));
        }
    }

    /** An element's text read in one step: the console redraws its histogram on every room message. */
    private static String text(Browser browser, String css) {
        Object text = browser.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", css);
        return String.valueOf(text);
    }
}
