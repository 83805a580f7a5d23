package dev.breaklab.history;

import static dev.breaklab.history.HistoryTestSupport.copy;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.history.HistoryTestSupport.FixedLiveRuns;
import dev.breaklab.run.RunFilter;
import dev.breaklab.run.RunPage;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.RunSummary;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the run history promises, on a real database: the concrete classes say which one. The runs
 * are snapshots of real runs of the lab's engine, stored with the application's own JSON mapper.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RunHistoryContract {

    private static final Instant T0 = Instant.parse("2025-06-01T08:00:00Z");

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    JsonMapper json;

    HikariDataSource dataSource;
    RunHistory history;

    /** An empty database at the lab's schema. */
    abstract HikariDataSource database() throws Exception;

    /** Why the database is not there (outside CI): every test then reports itself skipped. */
    private TestAbortedException unavailable;

    @BeforeAll
    void open() throws Exception {
        try {
            dataSource = database();
        } catch (TestAbortedException e) {
            unavailable = e;
            return;
        }
        history = HistoryTestSupport.history(dataSource, json);
    }

    @AfterAll
    void close() {
        if (dataSource != null) {
            dataSource.close();
        }
    }

    @BeforeEach
    void empty() {
        if (unavailable != null) {
            throw new TestAbortedException(unavailable.getMessage());
        }
        JdbcClient.create(dataSource).sql("DELETE FROM runs").update();
    }

    @Test
    void a_real_run_is_stored_whole_and_read_back_as_the_same_json() {
        RunSnapshot run = HistoryTestSupport.tinyBroken(new Runs(engine, validator, store));
        assertThat(run.evidence()).isNotEmpty();
        assertThat(run.findings()).isNotEmpty();
        assertThat(run.predictions()).isNotEmpty();

        history.save(run);
        RunSnapshot reloaded = history.find(run.id()).orElseThrow();

        assertThat(json.writeValueAsString(reloaded)).isEqualTo(json.writeValueAsString(run));
        assertThat(reloaded.evidence()).isEqualTo(run.evidence());
        assertThat(reloaded.predictions()).isEqualTo(run.predictions());
        assertThat(reloaded.stages()).isEqualTo(run.stages());
        assertThat(reloaded.sql()).isEqualTo(run.sql());
        assertThat(reloaded.stagePrediction()).isEqualTo(run.stagePrediction());
        assertThat(reloaded.findings())
                .extracting(f -> f.kind())
                .containsExactlyElementsOf(
                        run.findings().stream().map(f -> f.kind()).toList());
        assertThat(history.find("nope")).isEmpty();
    }

    @Test
    void a_later_final_snapshot_of_the_same_run_replaces_the_earlier_one() {
        RunSnapshot run = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        RunSnapshot unexplained = copy(
                        run, run.id(), run.experimentId(), run.variant(), run.status(), run.submittedAt())
                .withInsight(List.of(), null);
        RunSnapshot bare = new RunSnapshot(
                unexplained.id(),
                unexplained.experimentId(),
                unexplained.variant(),
                unexplained.description(),
                unexplained.knobs(),
                unexplained.conf(),
                RunStatus.CANCELLED,
                unexplained.submittedAt(),
                unexplained.startedAt(),
                unexplained.finishedAt(),
                unexplained.durationMs(),
                unexplained.error(),
                unexplained.result(),
                unexplained.jobs(),
                unexplained.stages(),
                unexplained.sql(),
                unexplained.executors(),
                unexplained.timeline(),
                List.of(),
                List.of(),
                List.of(),
                unexplained.batches(),
                unexplained.queries(),
                unexplained.measurements(),
                null,
                RunSnapshot.SOURCE_LAB);

        history.save(bare);
        history.save(run);

        assertThat(history.count()).isEqualTo(1);
        assertThat(json.writeValueAsString(history.find(run.id()).orElseThrow()))
                .isEqualTo(json.writeValueAsString(run));
        assertThat(history.page(RunFilter.ALL, 0, 10).runs())
                .singleElement()
                .extracting(RunSummary::status)
                .isEqualTo(RunStatus.SUCCEEDED);
    }

    @Test
    void an_imported_run_keeps_its_source_in_the_row_the_json_and_the_list() {
        history.save(HistoryTestSupport.minimal("lab1", "skewed-join", "broken", RunStatus.SUCCEEDED, T0));
        history.save(HistoryTestSupport.minimal(
                "imp1", "import", "a1b2c3d4", RunStatus.SUCCEEDED, T0.plusSeconds(60), RunSnapshot.SOURCE_IMPORT));

        assertThat(history.find("imp1").orElseThrow().source()).isEqualTo("import");
        assertThat(history.find("lab1").orElseThrow().source()).isEqualTo("lab");
        assertThat(history.page(RunFilter.ALL, 0, 10).runs())
                .extracting(RunSummary::id, RunSummary::source)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("imp1", "import"),
                        org.assertj.core.groups.Tuple.tuple("lab1", "lab"));
        assertThat(JdbcClient.create(dataSource)
                        .sql("SELECT source FROM runs WHERE id = 'imp1'")
                        .query(String.class)
                        .single())
                .isEqualTo("import");
    }

    @Test
    void a_snapshot_stored_without_a_source_reads_back_as_a_lab_run() {
        history.save(HistoryTestSupport.minimal("old1", "skewed-join", "broken", RunStatus.SUCCEEDED, T0));
        JdbcClient.create(dataSource)
                .sql("UPDATE runs SET snapshot = REPLACE(snapshot, ',\"source\":\"lab\"', '') WHERE id = 'old1'")
                .update();
        assertThat(JdbcClient.create(dataSource)
                        .sql("SELECT snapshot FROM runs WHERE id = 'old1'")
                        .query(String.class)
                        .single())
                .doesNotContain("source");

        assertThat(history.find("old1").orElseThrow().source()).isEqualTo("lab");
    }

    @Test
    void pages_are_newest_first_and_filter_by_experiment_variant_status_and_time() {
        RunSnapshot real = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        String[][] runs = {
            {"r0", "skewed-join", "broken", "SUCCEEDED"},
            {"r1", "tiny-partitions", "fixed", "SUCCEEDED"},
            {"r2", "tiny-partitions", "broken", "FAILED"},
            {"r3", "skewed-join", "fixed", "SUCCEEDED"},
            {"r4", "tiny-partitions", "broken", "SUCCEEDED"},
            {"r5", "tiny-partitions", "broken", "CANCELLED"},
            {"r6", "skewed-join", "broken", "TIMED_OUT"},
        };
        for (int i = 0; i < runs.length; i++) {
            String[] r = runs[i];
            history.save(copy(real, r[0], r[1], r[2], RunStatus.valueOf(r[3]), T0.plus(i, ChronoUnit.MINUTES)));
        }

        assertThat(ids(history.page(RunFilter.ALL, 0, 3))).containsExactly("r6", "r5", "r4");
        assertThat(history.page(RunFilter.ALL, 0, 3).hasNext()).isTrue();
        assertThat(ids(history.page(RunFilter.ALL, 1, 3))).containsExactly("r3", "r2", "r1");
        assertThat(history.page(RunFilter.ALL, 2, 3).runs())
                .extracting(RunSummary::id)
                .containsExactly("r0");
        assertThat(history.page(RunFilter.ALL, 2, 3).hasNext()).isFalse();
        assertThat(history.page(RunFilter.ALL, 1, 6).hasNext()).isFalse();
        assertThat(history.page(RunFilter.ALL, 5, 3).runs()).isEmpty();

        assertThat(ids(history.page(new RunFilter("tiny-partitions", null, null, null), 0, 10)))
                .containsExactly("r5", "r4", "r2", "r1");
        assertThat(ids(history.page(new RunFilter("tiny-partitions", "broken", null, null), 0, 10)))
                .containsExactly("r5", "r4", "r2");
        assertThat(ids(history.page(new RunFilter(null, null, RunStatus.SUCCEEDED, null), 0, 10)))
                .containsExactly("r4", "r3", "r1", "r0");
        assertThat(ids(history.page(new RunFilter(null, null, null, T0.plus(4, ChronoUnit.MINUTES)), 0, 10)))
                .containsExactly("r6", "r5", "r4");
        assertThat(ids(history.page(
                        new RunFilter("tiny-partitions", "broken", RunStatus.SUCCEEDED, T0.plusSeconds(1)), 0, 10)))
                .containsExactly("r4");

        RunSummary r2 = history.page(new RunFilter(null, null, RunStatus.FAILED, null), 0, 1)
                .runs()
                .get(0);
        assertThat(r2.submittedAt()).isEqualTo(T0.plus(2, ChronoUnit.MINUTES));
        assertThat(r2.finishedAt()).isAfterOrEqualTo(r2.submittedAt());
        assertThat(r2.durationMs()).isEqualTo(real.durationMs());
        assertThat(r2.source()).isEqualTo("lab");
    }

    @Test
    void retention_keeps_the_newest_runs_within_the_maximum_age() {
        RunSnapshot real = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        Instant now = Instant.parse("2025-07-01T00:00:00Z");
        for (int day = 0; day < 8; day++) {
            history.save(copy(
                    real,
                    "d" + day,
                    real.experimentId(),
                    real.variant(),
                    RunStatus.SUCCEEDED,
                    now.minus(Duration.ofDays(day)).minusSeconds(60)));
        }
        RunHistoryWriter writer = new RunHistoryWriter(history);
        try {
            HistoryRetention byAge = new HistoryRetention(
                    history, writer, new HistoryProperties(0, Duration.ofDays(6), Duration.ofHours(1)));
            assertThat(byAge.apply(now)).isEqualTo(new HistoryRetention.Deleted(2, 0));
            assertThat(ids(history.page(RunFilter.ALL, 0, 20))).containsExactly("d0", "d1", "d2", "d3", "d4", "d5");

            HistoryRetention byCount =
                    new HistoryRetention(history, writer, new HistoryProperties(4, Duration.ZERO, Duration.ofHours(1)));
            assertThat(byCount.apply(now)).isEqualTo(new HistoryRetention.Deleted(0, 2));
            assertThat(ids(history.page(RunFilter.ALL, 0, 20))).containsExactly("d0", "d1", "d2", "d3");
            assertThat(byCount.apply(now)).isEqualTo(new HistoryRetention.Deleted(0, 0));
        } finally {
            writer.flush();
        }
    }

    @Test
    void the_writer_stores_only_the_last_final_snapshot_and_the_composite_finds_it_after_memory_forgets_it()
            throws Exception {
        RunSnapshot real = HistoryTestSupport.tinyFixed(new Runs(engine, validator, store));
        RunSnapshot running = copy(real, "w1", real.experimentId(), real.variant(), RunStatus.RUNNING, T0);
        RunSnapshot unexplained = copy(real, "w1", real.experimentId(), real.variant(), RunStatus.SUCCEEDED, T0)
                .withInsight(List.of(), null);
        RunSnapshot explained = copy(real, "w1", real.experimentId(), real.variant(), RunStatus.SUCCEEDED, T0);
        RunHistoryWriter writer = new RunHistoryWriter(history);
        try {
            writer.published(running, true);
            writer.flush();
            assertThat(history.count()).isZero();

            writer.published(unexplained, true);
            writer.published(explained, false);
            writer.flush();
            assertThat(history.count()).isEqualTo(1);
            assertThat(writer.pending("w1")).isEmpty();
            assertThat(writer.saved("w1")).isTrue();

            // Memory no longer holds w1 but holds a run still going: page 0 lists it first, find
            // reads w1 back from the database.
            RunSnapshot queued = copy(real, "q1", "skewed-join", "broken", RunStatus.QUEUED, T0.plusSeconds(60));
            RememberedRuns runs = new RememberedRuns(new FixedLiveRuns(List.of(queued)), writer, history);
            assertThat(json.writeValueAsString(runs.find("w1").orElseThrow()))
                    .isEqualTo(json.writeValueAsString(explained));
            assertThat(runs.find("q1")).contains(queued);
            assertThat(ids(runs.page(RunFilter.ALL, 0, 1))).containsExactly("q1", "w1");
            assertThat(ids(runs.page(RunFilter.ALL, 1, 1))).isEmpty();
            assertThat(ids(runs.page(new RunFilter(null, null, RunStatus.SUCCEEDED, null), 0, 5)))
                    .containsExactly("w1");

            // A finished run memory holds but the history does not (yet) is listed once, from memory.
            RunSnapshot unsaved =
                    copy(real, "u1", real.experimentId(), real.variant(), RunStatus.FAILED, T0.minusSeconds(60));
            RememberedRuns withUnsaved =
                    new RememberedRuns(new FixedLiveRuns(List.of(queued, explained, unsaved)), writer, history);
            assertThat(ids(withUnsaved.page(RunFilter.ALL, 0, 10))).containsExactly("q1", "w1", "u1");
        } finally {
            writer.destroy();
        }
    }

    private static List<String> ids(RunPage page) {
        return page.runs().stream().map(RunSummary::id).toList();
    }
}
