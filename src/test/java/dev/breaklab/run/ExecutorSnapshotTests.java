package dev.breaklab.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** An executor's record as the run history stores it, JSON both ways. */
class ExecutorSnapshotTests {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void an_executor_stored_before_the_lab_kept_its_host_cores_and_life_reads_back() {
        ExecutorSnapshot e = json.readValue("""
                {"executorId":"driver","tasks":3,"failedTasks":1,"taskTimeMs":50,"inputBytes":0,
                 "shuffleReadBytes":10,"shuffleWriteBytes":20,"gcTimeMs":4}
                """, ExecutorSnapshot.class);
        assertThat(e.tasks()).isEqualTo(3);
        assertThat(e.host()).isNull();
        assertThat(e.cores()).isNull();
        assertThat(e.addedAt()).isNull();
        assertThat(e.removedAt()).isNull();
        assertThat(e.removedReason()).isNull();
    }

    @Test
    void a_removed_executor_keeps_sparks_reason_and_times() {
        ExecutorSnapshot e = new ExecutorSnapshot(
                "2",
                3,
                1,
                900,
                0,
                0,
                0,
                0,
                "10.0.0.8",
                2,
                java.time.Instant.ofEpochMilli(1_000),
                java.time.Instant.ofEpochMilli(9_000),
                "Command exited with code 137");
        assertThat(json.readValue(json.writeValueAsString(e), ExecutorSnapshot.class))
                .isEqualTo(e);
    }
}
