package dev.breaklab.web;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium for browser tests: Debian's chromium and chromedriver, never a downloaded one
 * (the driver path is explicit, so Selenium Manager has nothing to do). Without them the tests are
 * skipped with a notice; with {@code CI=true} a missing browser is a failure instead.
 */
public final class Browser implements AutoCloseable {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    public final ChromeDriver driver;
    public final String base;
    private final Path profile;

    private Browser(ChromeDriver driver, String base, Path profile) {
        this.driver = driver;
        this.base = base;
        this.profile = profile;
    }

    /** Opens a browser, or skips (fails on CI) the calling test when none is installed. */
    public static Browser open(int port) throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String notice = "Browser tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                + "): apt-get install chromium chromium-driver";
        if (!present) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true requires a browser. " + notice);
            }
            System.err.println("SKIPPED browser test: " + notice);
            Assumptions.abort(notice);
        }
        Path profile = Files.createTempDirectory("lab-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--window-size=1280,800");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new Browser(driver, "http://localhost:" + port, profile);
    }

    public void go(String path) {
        driver.get(base + path);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /**
     * Waits for {@code condition}. The lab's pages redraw their live parts (a STOMP update replaces a
     * panel's nodes), so an element a condition found can be gone before it is read: that attempt
     * counts as "not yet", and the next one looks again.
     */
    public <T> T await(Duration within, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, within, Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    public WebElement awaitVisible(String css, Duration within) {
        return await(within, d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    public Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** The whole page, not just the viewport (Chrome DevTools' captureBeyondViewport). */
    public Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Number width = (Number) js("return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)");
        Number height =
                (Number) js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)");
        Map<String, Object> shot = driver.executeCdpCommand(
                "Page.captureScreenshot",
                Map.of(
                        "format",
                        "png",
                        "captureBeyondViewport",
                        true,
                        "clip",
                        Map.of(
                                "x",
                                0,
                                "y",
                                0,
                                "width",
                                width.intValue(),
                                "height",
                                Math.min(height.intValue(), 6000),
                                "scale",
                                1)));
        Path file = SCREENSHOTS.resolve(name + ".png");
        Files.write(file, Base64.getDecoder().decode((String) shot.get("data")));
        return file;
    }

    /** Console errors the page logged (uncaught exceptions, failed module loads). */
    public List<String> consoleErrors() {
        return driver.manage().logs().get("browser").getAll().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(e -> e.getMessage())
                .toList();
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }
}
