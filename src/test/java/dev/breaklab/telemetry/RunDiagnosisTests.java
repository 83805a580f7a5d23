package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.Finding;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunDiagnosis;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The publisher applies the diagnosis before a snapshot becomes visible, and survives a failing one;
 * a final status becomes visible together with its evidence, predictions and findings.
 */
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
    void a_final_status_is_published_once_with_its_evidence_predictions_and_findings() {
        List<RunSnapshot> delivered = new ArrayList<>();
        RunDiagnosis diagnosis = s -> s.withInsight(s.status().finished() ? List.of(FINDING) : List.of(), null);
        SnapshotPublisher publisher =
                new SnapshotPublisher(new RunStore(10), List.of((s, changed) -> delivered.add(s)), diagnosis);
        LiveRun live = run();
        live.started(Instant.EPOCH);
        publisher.publish(live);
        EvidenceResult evidence = new EvidenceResult("e", "claim", true, true, "measured", null);
        PredictionResult prediction = new PredictionResult("q", "question", "1", "1", true);

        RunSnapshot preview = live.preview(RunStatus.FAILED, Instant.EPOCH, null, null);

        assertThat(preview.status()).as("what the evidence is judged on").isEqualTo(RunStatus.FAILED);
        assertThat(publisher.publish(live).status())
                .as("a preview changes nothing anyone can see")
                .isEqualTo(RunStatus.RUNNING);
        assertThat(live.status()).isEqualTo(RunStatus.RUNNING);

        assertThat(live.finish(RunStatus.FAILED, Instant.EPOCH, null, null, List.of(evidence), List.of(prediction)))
                .isTrue();
        publisher.publish(live);
        assertThat(live.finish(RunStatus.CANCELLED, Instant.EPOCH, null, null, List.of(), List.of()))
                .as("a result is never overwritten")
                .isFalse();
        publisher.publish(live);

        assertThat(delivered).extracting(RunSnapshot::status).containsExactly(RunStatus.RUNNING, RunStatus.FAILED);
        RunSnapshot last = delivered.get(1);
        assertThat(last.evidence()).containsExactly(evidence);
        assertThat(last.predictions()).containsExactly(prediction);
        assertThat(last.findings()).containsExactly(FINDING);
        assertThat(live.snapshot()).isSameAs(last);
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
