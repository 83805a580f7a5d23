package dev.breaklab.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.LiveRuns;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Assumptions;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.data.jdbc.repository.config.EnableJdbcRepositories;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcOperations;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real databases and real runs for the history tests: an H2 file in a temp directory, the PostgreSQL
 * named by {@code LAB_TEST_POSTGRES_URL} (what {@code .ci/run} starts), both migrated by the lab's
 * own Flyway scripts; snapshots of runs the real engine ran.
 */
public final class HistoryTestSupport {

    /** A JDBC URL with user and password, e.g. jdbc:postgresql://127.0.0.1/lab?user=lab&password=lab. */
    public static final String POSTGRES_URL = "LAB_TEST_POSTGRES_URL";

    private static final Map<String, RunSnapshot> REAL_RUNS = new ConcurrentHashMap<>();

    private HistoryTestSupport() {}

    /**
     * tiny-partitions / broken with predictions, on the real engine, once per JVM: a real-size run
     * (1,000 tasks) with evidence, findings and predictions.
     */
    public static RunSnapshot tinyBroken(Runs runs) {
        return realRun(
                runs,
                new RunRequest(
                        "tiny-partitions",
                        "broken",
                        Map.of(),
                        Map.of("aqe-coalesce", "no", "stages", "2", "aggregate-tasks", "1000"),
                        600));
    }

    /** tiny-partitions / fixed on the real engine, once per JVM: a small run. (Time limits allow a loaded machine.) */
    public static RunSnapshot tinyFixed(Runs runs) {
        return realRun(runs, new RunRequest("tiny-partitions", "fixed", Map.of(), Map.of(), 600));
    }

    private static RunSnapshot realRun(Runs runs, RunRequest request) {
        return REAL_RUNS.computeIfAbsent(request.toString(), k -> {
            RunSnapshot run = runs.run(request, java.time.Duration.ofMinutes(10));
            assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
            return run;
        });
    }

    /** An H2 file database under {@code dir}, at the lab's schema. */
    public static HikariDataSource h2(Path dir) {
        return migrated(HistoryDatabaseDefaults.h2Url(dir), "sa", "");
    }

    /**
     * The test PostgreSQL, emptied and at the lab's schema. Skipped with a notice when it is not
     * configured or not reachable, except on CI ({@code CI=true}), where that fails the test.
     */
    public static HikariDataSource postgres() {
        String url = setting(POSTGRES_URL);
        boolean ci = "true".equalsIgnoreCase(setting("CI"));
        if (url == null || url.isBlank()) {
            return unavailable(ci, POSTGRES_URL + " is not set", null);
        }
        HikariDataSource dataSource;
        try {
            dataSource = pool(url, null, null);
            try (Connection c = dataSource.getConnection()) {
                assertThat(c.isValid(5)).isTrue();
            }
        } catch (Exception | AssertionError e) {
            return unavailable(
                    ci, "PostgreSQL at " + url.replaceAll("password=[^&]*", "password=***") + " is unreachable", e);
        }
        Flyway flyway =
                Flyway.configure().dataSource(dataSource).cleanDisabled(false).load();
        flyway.clean();
        flyway.migrate();
        return dataSource;
    }

    /** A new pool on the test PostgreSQL as it is (after {@link #postgres()}): what a restarted lab opens. */
    public static HikariDataSource postgresAgain() {
        return migrated(setting(POSTGRES_URL), null, null);
    }

    /**
     * The lab's {@link RunHistory} on {@code dataSource}, outside the lab: the same Spring Data JDBC
     * repositories, in a context of their own (Spring Data's standard configuration, nothing else).
     */
    public static RunHistory history(DataSource dataSource, JsonMapper json) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean(DataSource.class, () -> dataSource);
        context.registerBean(JsonMapper.class, () -> json);
        context.register(HistoryRepositories.class);
        context.refresh();
        return context.getBean(RunHistory.class);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableJdbcRepositories(basePackageClasses = RunHistory.class)
    @Import({HistoryJdbcConfiguration.class, RunHistory.class})
    static class HistoryRepositories {

        @Bean
        NamedParameterJdbcOperations namedParameterJdbcOperations(DataSource dataSource) {
            return new NamedParameterJdbcTemplate(dataSource);
        }

        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }
    }

    private static HikariDataSource unavailable(boolean ci, String why, Throwable cause) {
        if (ci) {
            throw new AssertionError("CI=true but " + why + ": .ci/run installs and starts PostgreSQL", cause);
        }
        System.err.println("NOTICE: PostgreSQL history tests SKIPPED: " + why + " (export " + POSTGRES_URL
                + "=jdbc:postgresql://127.0.0.1:5432/db?user=u&password=p)");
        Assumptions.abort("PostgreSQL not available: " + why);
        throw new IllegalStateException("unreachable");
    }

    private static HikariDataSource migrated(String url, String user, String password) {
        HikariDataSource dataSource = pool(url, user, password);
        Flyway.configure().dataSource(dataSource).load().migrate();
        return dataSource;
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
            config.setPassword(password);
        }
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(5_000);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    private static String setting(String name) {
        return Optional.ofNullable(System.getProperty(name)).orElse(System.getenv(name));
    }

    /** The same run under another id, experiment, variant, status and submission time. */
    public static RunSnapshot copy(
            RunSnapshot s, String id, String experimentId, String variant, RunStatus status, Instant submittedAt) {
        Instant finishedAt = s.finishedAt() == null || s.submittedAt() == null
                ? submittedAt
                : submittedAt.plus(java.time.Duration.between(s.submittedAt(), s.finishedAt()));
        return new RunSnapshot(
                id,
                experimentId,
                variant,
                experimentId + " / " + variant,
                s.knobs(),
                s.conf(),
                status,
                submittedAt,
                submittedAt,
                finishedAt,
                s.durationMs(),
                s.error(),
                s.result(),
                s.jobs(),
                s.stages(),
                s.sql(),
                s.executors(),
                s.timeline(),
                s.evidence(),
                s.findings(),
                s.predictions(),
                s.batches(),
                s.queries(),
                s.measurements(),
                s.stagePrediction(),
                s.source());
    }

    /** A run with no Spark figures at all: for list and paging tests that need no real run. */
    public static RunSnapshot minimal(
            String id, String experimentId, String variant, RunStatus status, Instant submittedAt) {
        return minimal(id, experimentId, variant, status, submittedAt, RunSnapshot.SOURCE_LAB);
    }

    /** The same, from {@code source} ({@code lab} or {@code import}). */
    public static RunSnapshot minimal(
            String id, String experimentId, String variant, RunStatus status, Instant submittedAt, String source) {
        Instant finishedAt = status.finished() ? submittedAt.plusSeconds(3) : null;
        return new RunSnapshot(
                id,
                experimentId,
                variant,
                experimentId + " / " + variant,
                Map.of(),
                Map.of(),
                status,
                submittedAt,
                submittedAt,
                finishedAt,
                status.finished() ? 3_000L : null,
                null,
                status == RunStatus.SUCCEEDED ? "done" : null,
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                Map.of(),
                null,
                source);
    }

    /** Memory holding exactly {@code runs} (queued, running or finished), for the history's composite. */
    public record FixedLiveRuns(List<RunSnapshot> runs) implements LiveRuns {

        @Override
        public Optional<RunSnapshot> find(String id) {
            return runs.stream().filter(r -> r.id().equals(id)).findFirst();
        }

        @Override
        public List<RunSnapshot> newestFirst() {
            return runs;
        }
    }
}
