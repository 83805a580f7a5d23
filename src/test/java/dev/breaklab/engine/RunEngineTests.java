package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.breaklab.LabTest;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@LabTest
class RunEngineTests {

    /** Slow on purpose: ten thousand tiny tasks keep the engine busy for tens of seconds. */
    static final Map<String, Object> SLOW = Map.of("shufflePartitions", 10_000L, "rows", 2_000_000L);

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    SparkSession spark;

    @Autowired
    Catalog catalog;

    Runs runs;

    @BeforeEach
    void setUp() {
        runs = new Runs(engine, validator, store);
    }

    @Test
    void every_spark_job_of_a_run_is_recorded_on_it() {
        RunSnapshot run = runs.run("skewed-join", "fixed");

        assertThat(run.status()).as("error: %s", run.error()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.jobs()).isNotEmpty().allSatisfy(job -> assertThat(job.status())
                .isEqualTo(JobStatus.SUCCEEDED));
        assertThat(run.sql()).isNotEmpty();
        // The job ids on the run are exactly those Spark itself has for the run's job group.
        int[] sparkJobs = spark.sparkContext().statusTracker().getJobIdsForGroup(run.id());
        assertThat(run.jobs().stream().map(JobSnapshot::jobId))
                .containsExactlyInAnyOrderElementsOf(
                        Arrays.stream(sparkJobs).boxed().toList());
    }

    @Test
    void the_central_claim_of_the_broken_variant_does_not_hold_on_the_fixed_one() {
        assertThat(evidence(runs.run("skewed-join", "fixed"), "straggler").holds())
                .isFalse();
        assertThat(evidence(runs.run("tiny-partitions", "fixed"), "thousands-of-tasks")
                        .holds())
                .isFalse();
    }

    @Test
    void a_run_over_its_time_limit_is_cancelled_with_its_spark_jobs() {
        RunSnapshot submitted = runs.submit("tiny-partitions", "broken", SLOW, 2);

        RunSnapshot run = runs.awaitFinished(submitted.id(), Duration.ofSeconds(30));

        assertThat(run.status()).isEqualTo(RunStatus.TIMED_OUT);
        assertThat(run.error().message()).contains("time limit of 2 s");
        assertThat(run.durationMs()).isLessThan(15_000);
        assertJudged(run);
        assertNoActiveJobs(run.id());
    }

    @Test
    void cancel_stops_a_running_run_and_a_queued_one_never_starts() {
        RunSnapshot running = runs.submit("tiny-partitions", "broken", SLOW, 60);
        RunSnapshot queued = runs.submit("tiny-partitions", "fixed");
        runs.awaitStatus(running.id(), RunStatus.RUNNING, Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !runs.current(running.id()).jobs().isEmpty());

        RunSnapshot queuedCancelled = engine.cancel(queued.id());
        engine.cancel(running.id());

        assertThat(queuedCancelled.status()).isEqualTo(RunStatus.CANCELLED);
        assertJudged(queuedCancelled);
        RunSnapshot runningAfter = runs.awaitFinished(running.id(), Duration.ofSeconds(20));
        assertThat(runningAfter.status()).isEqualTo(RunStatus.CANCELLED);
        assertJudged(runningAfter);
        assertNoActiveJobs(running.id());
        RunSnapshot queuedAfter = runs.current(queued.id());
        assertThat(queuedAfter.startedAt()).isNull();
        assertThat(queuedAfter.jobs()).isEmpty();
    }

    @Test
    void a_spark_failure_is_a_result_and_the_next_run_succeeds() {
        RunSnapshot failed = runs.run("collect-too-much", "broken");

        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error().errorClass()).isNotBlank();
        assertThat(failed.error().message()).contains("spark.driver.maxResultSize");
        assertThat(evidence(failed, "guard-tripped").holds()).isTrue();
        assertJudged(failed);

        RunSnapshot next = runs.run("collect-too-much", "fixed");
        assertThat(next.status()).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(evidence(next, "guard-tripped").holds()).isFalse();
    }

    @Test
    void predictions_are_checked_against_the_run() {
        RunSnapshot run = runs.run(new RunRequest(
                "skewed-join",
                "broken",
                Map.of("rows", 200_000L),
                Map.of("join-strategy", "BroadcastHashJoin", "skew-split", "no"),
                null));

        assertThat(run.predictions())
                .filteredOn(p -> p.questionId().equals("join-strategy"))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.actual()).isEqualTo("SortMergeJoin");
                    assertThat(p.correct()).isFalse();
                });
        assertThat(run.predictions())
                .filteredOn(p -> p.questionId().equals("skew-split"))
                .singleElement()
                .satisfies(p -> assertThat(p.correct()).isTrue());
    }

    /** A run that ended any way is judged in the snapshot that carries its final status. */
    private void assertJudged(RunSnapshot run) {
        var definition = catalog.find(run.experimentId()).orElseThrow().definition();
        assertThat(run.evidence())
                .as("%s run's evidence", run.status())
                .hasSize(definition.evidence().size());
        assertThat(run.predictions())
                .as("%s run's prediction results", run.status())
                .hasSize(definition.questions().size());
    }

    private void assertNoActiveJobs(String runId) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            int[] active = spark.sparkContext().statusTracker().getActiveJobIds();
            int[] group = spark.sparkContext().statusTracker().getJobIdsForGroup(runId);
            assertThat(Arrays.stream(active).filter(id -> Arrays.stream(group).anyMatch(g -> g == id)))
                    .isEmpty();
        });
    }

    static EvidenceResult evidence(RunSnapshot run, String id) {
        return run.evidence().stream()
                .filter(e -> e.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no evidence " + id + " in " + run.evidence()));
    }
}
