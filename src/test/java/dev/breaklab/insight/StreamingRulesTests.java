package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.subject;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The streaming rules on synthetic micro-batches. */
class StreamingRulesTests {

    @Test
    void state_that_only_grows_without_a_watermark() {
        var growing = run().batch(0, 10, 10, 10, null, 100, 0, 0)
                .batch(1, 10, 10, 10, null, 200, 0, 0)
                .batch(2, 10, 10, 10, null, 300, 0, 0);
        assertThat(new StreamingStateRule().check(subject(growing.build())))
                .singleElement()
                .satisfies(o -> assertThat(o.numbers()).containsEntry("stateRowsLast", 300L));
    }

    @Test
    void a_watermark_or_removed_rows_or_flat_state_is_bounded() {
        var watermarked = run().batch(0, 10, 10, 10, "2026-01-01T00:00:00Z", 100, 0, 0)
                .batch(1, 10, 10, 10, "2026-01-01T00:00:10Z", 200, 0, 0)
                .batch(2, 10, 10, 10, "2026-01-01T00:00:20Z", 300, 0, 0);
        var removing = run().batch(0, 10, 10, 10, null, 100, 0, 0)
                .batch(1, 10, 10, 10, null, 200, 1, 0)
                .batch(2, 10, 10, 10, null, 300, 0, 0);
        var flat = run().batch(0, 10, 10, 10, null, 100, 0, 0)
                .batch(1, 10, 10, 10, null, 100, 0, 0)
                .batch(2, 10, 10, 10, null, 100, 0, 0);
        for (var r : new Snapshots.Run[] {watermarked, removing, flat}) {
            assertThat(new StreamingStateRule().check(subject(r.build()))).isEmpty();
        }
    }

    @Test
    void late_rows_dropped_by_the_watermark() {
        var late = run().batch(0, 10, 10, 10, "2026-01-01T00:00:00Z", 5, 0, 3);
        assertThat(new LateRowsRule().check(subject(late.build())))
                .singleElement()
                .satisfies(o -> assertThat(o.numbers()).containsEntry("rowsDroppedByWatermark", 3L));
        var onTime = run().batch(0, 10, 10, 10, "2026-01-01T00:00:00Z", 5, 0, 0);
        assertThat(new LateRowsRule().check(subject(onTime.build()))).isEmpty();
    }

    @Test
    void input_faster_than_processing_falls_behind() {
        var behind = run().batch(0, 10, 0, 10, null, 0, 0, 0)
                .batch(1, 100_000, 120_000, 100_000, null, 0, 0, 0)
                .batch(2, 100_000, 120_000, 100_000, null, 0, 0, 0);
        assertThat(new StreamBacklogRule().check(subject(behind.build())))
                .singleElement()
                .satisfies(o -> assertThat(o.fix())
                        .as("rowsPerSecond is the rate source's production rate, not a cap")
                        .doesNotContain("rowsPerSecond")
                        .contains("capacity", "maxFilesPerTrigger"));
        var keepingUp = run().batch(0, 10, 0, 10, null, 0, 0, 0)
                .batch(1, 100_000, 119_000, 100_000, null, 0, 0, 0)
                .batch(2, 100_000, 119_000, 100_000, null, 0, 0, 0);
        assertThat(new StreamBacklogRule().check(subject(keepingUp.build()))).isEmpty();
        var onlyTheFirst = run().batch(0, 100_000, 120_000, 1_000, null, 0, 0, 0);
        assertThat(new StreamBacklogRule().check(subject(onlyTheFirst.build()))).isEmpty();
    }

    @Test
    void a_restart_on_an_incompatible_checkpoint_and_duplicates_after_a_replay() {
        var schema = run().failed("STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE", "Provided key schema does not match");
        assertThat(new StreamRestartRule().check(subject(schema.build()))).hasSize(1);

        var duplicates = run();
        duplicates.measurements.put("sinkRows", 120L);
        duplicates.measurements.put("sinkDistinctRows", 100L);
        assertThat(new StreamRestartRule().check(subject(duplicates.build())))
                .singleElement()
                .satisfies(o -> assertThat(o.numbers()).containsEntry("duplicates", 20L));

        var exact = run();
        exact.measurements.put("sinkRows", 100L);
        exact.measurements.put("sinkDistinctRows", 100L);
        assertThat(new StreamRestartRule().check(subject(exact.build()))).isEmpty();
    }
}
