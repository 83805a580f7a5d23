package dev.breaklab.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.history.HistoryTestSupport.FixedLiveRuns;
import dev.breaklab.run.LiveRuns;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.data.jdbc.repository.config.EnableJdbcRepositories;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.json.JsonMapper;

/** The history inside the lab: the database it opens, the runs the engine writes to it, a restart. */
@LabTest
class RunHistoryAppTests {

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    RunHistory history;

    @Autowired
    RunHistoryWriter writer;

    @Autowired
    RunSnapshots runs;

    @Autowired
    DataSource dataSource;

    @Autowired
    JsonMapper json;

    @Autowired
    MockMvc mvc;

    @Test
    void by_default_the_history_is_an_h2_file_under_the_data_directory() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            assertThat(c.getMetaData().getDatabaseProductName()).isEqualTo("H2");
            assertThat(c.getMetaData().getURL())
                    .startsWith(
                            "jdbc:h2:file:" + Path.of("target/lab-data/history").toAbsolutePath());
        }
        assertThat(runs).isInstanceOf(RememberedRuns.class);
    }

    @Test
    void a_configured_datasource_wins_over_the_default() {
        StandardEnvironment configured = new StandardEnvironment();
        configured
                .getPropertySources()
                .addFirst(new MapPropertySource("test", Map.of("spring.datasource.url", "jdbc:postgresql://db/lab")));
        new HistoryDatabaseDefaults().postProcessEnvironment(configured, null);
        assertThat(configured.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db/lab");
        assertThat(configured.getProperty("spring.datasource.username")).isNull();

        StandardEnvironment unconfigured = new StandardEnvironment();
        unconfigured.getPropertySources().addFirst(new MapPropertySource("test", Map.of("lab.data-dir", "/srv/lab")));
        new HistoryDatabaseDefaults().postProcessEnvironment(unconfigured, null);
        assertThat(unconfigured.getProperty("spring.datasource.url"))
                .isEqualTo("jdbc:h2:file:/srv/lab/history;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void a_run_of_the_engine_is_stored_when_it_ends_exactly_as_the_api_serves_it() throws Exception {
        RunSnapshot run = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));

        // The explained snapshot is visible a moment before the publisher hands it to the writer.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            writer.flush();
            String served = mvc.perform(get("/api/runs/" + run.id()))
                    .andExpect(status().isOk())
                    .andReturn()
                    .getResponse()
                    .getContentAsString();
            RunSnapshot stored = history.find(run.id()).orElseThrow();
            assertThat(json.writeValueAsString(stored)).isEqualTo(served);
            assertThat(stored.evidence()).isNotEmpty();
        });
    }

    @Test
    void a_run_only_the_database_holds_is_served_and_listed() throws Exception {
        RunSnapshot real = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        String id = "db-" + Long.toHexString(System.nanoTime());
        Instant submitted = Instant.parse("2024-03-01T10:00:00Z");
        RunSnapshot stored =
                HistoryTestSupport.copy(real, id, "tiny-partitions", "sane-partitions", RunStatus.FAILED, submitted);
        history.save(stored);
        assertThat(store.find(id)).isEmpty();

        String served = mvc.perform(get("/api/runs/" + id))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(served).isEqualTo(json.writeValueAsString(stored));
        mvc.perform(get("/api/runs?experimentId=tiny-partitions&variant=sane-partitions&status=failed"
                        + "&since=2024-03-01&size=200"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[?(@.id == '" + id + "')].durationMs")
                        .value(real.durationMs().intValue()));
        mvc.perform(get("/api/runs/" + id + "/compare/" + real.id())).andExpect(status().isOk());
        mvc.perform(delete("/api/runs/" + id))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value("run " + id + " has already finished (FAILED)"));
    }

    /**
     * The history without the rest of the lab (no Spark): what survives a restart of the lab. Not a
     * {@code @Configuration}, so that neither this test nor the lab's component scan picks it up.
     */
    @EnableConfigurationProperties(HistoryProperties.class)
    @EnableJdbcRepositories(basePackageClasses = RunHistory.class)
    @Import({
        HistoryJdbcConfiguration.class,
        RunHistory.class,
        RunHistoryWriter.class,
        RememberedRuns.class,
        HistoryRetention.class
    })
    static class HistoryOnly {

        @Bean
        LiveRuns nothingInMemory() {
            return new FixedLiveRuns(List.of());
        }
    }

    @Test
    void finished_runs_survive_arestart() throws Exception {
        RunSnapshot run = HistoryTestSupport.tinyBroken(new Runs(engine, validator, store));
        Path dataDir = Files.createTempDirectory("history-restart");
        ApplicationContextRunner lab = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class,
                        JdbcTemplateAutoConfiguration.class,
                        FlywayAutoConfiguration.class,
                        JacksonAutoConfiguration.class))
                .withUserConfiguration(HistoryOnly.class)
                .withPropertyValues(
                        "spring.datasource.url=" + HistoryDatabaseDefaults.h2Url(dataDir),
                        "spring.datasource.username=sa");

        // The run ends and the lab stops at once: the queued write still lands before the database closes.
        lab.run(context -> context.getBean(RunHistoryWriter.class).published(run, true));

        lab.run(context -> {
            RunSnapshot reloaded =
                    context.getBean(RunSnapshots.class).find(run.id()).orElseThrow();
            assertThat(context.getBean(JsonMapper.class).writeValueAsString(reloaded))
                    .isEqualTo(json.writeValueAsString(run));
        });
        assertThat(dataDir.resolve("history.mv.db")).exists();
    }
}
