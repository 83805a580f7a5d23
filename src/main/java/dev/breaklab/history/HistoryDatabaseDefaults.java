package dev.breaklab.history;

import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Without a configured {@code spring.datasource.url}, the run history is an H2 database file,
 * {@code <lab.data-dir>/history.mv.db}. H2 refuses a path that is implicitly relative to the working
 * directory, so the default URL is made absolute here rather than written in application.yml.
 * Added with the lowest precedence: any {@code spring.datasource.*} setting wins.
 */
public class HistoryDatabaseDefaults implements EnvironmentPostProcessor, Ordered {

    static final String SOURCE = "labHistoryDatabase";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty("spring.datasource.url")
                || environment.containsProperty("spring.datasource.jndi-name")) {
            return;
        }
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        SOURCE,
                        Map.of(
                                "spring.datasource.url",
                                        h2Url(Path.of(environment.getProperty("lab.data-dir", "data"))),
                                "spring.datasource.username", "sa",
                                "spring.datasource.password", "")));
    }

    /** The history's H2 file under {@code dataDir}; Spring closes it (after the last write), not H2's hook. */
    public static String h2Url(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("history") + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    @Override
    public int getOrder() {
        // After the config files are read (lab.data-dir, spring.datasource.* are known by then).
        return Ordered.LOWEST_PRECEDENCE;
    }
}
