package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.subject;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.RunQueries;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Driver time outside jobs, on synthetic job timelines. */
class DriverBoundRuleTests {

    final DriverBoundRule rule = new DriverBoundRule();

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** {@code jobs} jobs of {@code jobMs} each, {@code gapMs} apart, after a {@code gapMs} start. */
    static Snapshots.Run loop(int jobs, long jobMs, long gapMs) {
        Snapshots.Run run = run();
        long at = gapMs;
        for (int i = 0; i < jobs; i++) {
            run.job(i, T0.plusMillis(at), T0.plusMillis(at + jobMs));
            at += jobMs + gapMs;
        }
        return run.window(T0, T0.plusMillis(at));
    }

    @Test
    void the_union_of_job_intervals_counts_overlaps_once() {
        var snapshot = run().window(T0, T0.plusMillis(1_000))
                .job(0, T0.plusMillis(100), T0.plusMillis(400))
                .job(1, T0.plusMillis(300), T0.plusMillis(500))
                .job(2, T0.plusMillis(900), T0.plusMillis(1_200))
                .build();
        assertThat(RunQueries.jobCoveredMs(snapshot)).isEqualTo(400 + 100);
        assertThat(RunQueries.driverOnlyMs(snapshot)).isEqualTo(500);
    }

    @Test
    void a_loop_of_small_actions_with_the_executors_idle_between_them() {
        assertThat(rule.check(subject(loop(30, 20, 80).build())))
                .singleElement()
                .satisfies(o -> {
                    assertThat(o.numbers()).containsEntry("jobs", 30).containsEntry("driverOnlyMs", 2_480L);
                    assertThat(o.fix()).contains("groupBy(key)");
                });
    }

    @Test
    void few_jobs_busy_jobs_or_a_stream_are_quiet() {
        assertThat(rule.check(subject(loop(3, 20, 800).build()))).as("few jobs").isEmpty();
        assertThat(rule.check(subject(loop(30, 400, 80).build())))
                .as("jobs fill the run")
                .isEmpty();
        assertThat(rule.check(subject(
                        loop(30, 20, 80).batch(0, 10, 1, 1, null, 0, 0, 0).build())))
                .as("micro-batches wait for their trigger")
                .isEmpty();
    }
}
