package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.Finding;
import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The publisher applies the diagnosis before a snapshot becomes visible, and survives a failing one. */
class RunDiagnosisTests {

    static final Finding FINDING = new Finding("skew", Severity.WARNING, 1, "s", "d", "f", null, Map.of(), null);

    static LiveRun run() {
        return new LiveRun("r1", "e", "broken", "e / broken", Map.of(), Map.of(), Instant.EPOCH);
    }

    @Test
    void sinks_and_readers_see_the_diagnosed_snapshot() {
        List<RunSnapshot> delivered = new ArrayList<>();
        RunDiagnosis diagnosis = s -> s.withInsight(List.of(FINDING), null);
        SnapshotPublisher publisher =
                new SnapshotPublisher(new RunStore(10), List.of((s, changed) -> delivered.add(s)), diagnosis);
        LiveRun live = run();
        live.started(Instant.EPOCH);

        RunSnapshot published = publisher.publish(live);

        assertThat(published.findings()).containsExactly(FINDING);
        assertThat(live.snapshot().findings()).containsExactly(FINDING);
        assertThat(delivered).singleElement().satisfies(s -> assertThat(s.findings())
                .containsExactly(FINDING));
    }

    @Test
    void a_failing_diagnosis_still_publishes_the_plain_snapshot() {
        SnapshotPublisher publisher = new SnapshotPublisher(new RunStore(10), List.of(), s -> {
            throw new IllegalStateException("rule bug");
        });
        LiveRun live = run();
        live.started(Instant.EPOCH);

        assertThat(publisher.publish(live).status()).isEqualTo(RunStatus.RUNNING);
        assertThat(live.snapshot().status()).isEqualTo(RunStatus.RUNNING);
    }
}
