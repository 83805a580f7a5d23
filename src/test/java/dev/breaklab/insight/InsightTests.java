package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.q;
import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.stage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.insight.ExperimentFixes.VariantSettings;
import dev.breaklab.run.Finding;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.Severity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InsightTests {

    static final RunFacts FACTS = new RunFacts() {
        @Override
        public int cores() {
            return 2;
        }

        @Override
        public long maxResultSizeBytes() {
            return 16L << 20;
        }

        @Override
        public Optional<ExperimentFixes> fixes(String experimentId) {
            return Optional.of(new ExperimentFixes(
                    List.of(
                            new VariantSettings("broken", Map.of(), Map.of()),
                            new VariantSettings(
                                    "fixed",
                                    Map.of(
                                            "spark.sql.adaptive.enabled", "true",
                                            "spark.sql.adaptive.skewJoin.enabled", "true"),
                                    Map.of())),
                    Map.of()));
        }
    };

    final Insight insight = new Insight(InsightProperties.defaults(), FACTS);

    static Snapshots.Run skewedAndSpilling() {
        var skewed = stage(9);
        skewed.durations = q(8, 200, 1_000);
        skewed.reads = q(8, 400_000, 2_000_000);
        skewed.memorySpilled = 1 << 20;
        return run().stage(skewed);
    }

    @Test
    void findings_are_most_severe_first_with_a_one_click_fix() {
        List<Finding> findings = insight.findings(skewedAndSpilling().build());
        assertThat(findings).extracting(Finding::kind).containsExactly("skew", "spill");
        Finding skew = findings.get(0);
        assertThat(skew.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(skew.action().variant()).isEqualTo("fixed");
        assertThat(skew.numbers()).containsKeys("maxTaskMs", "medianTaskMs");
        assertThat(skew.fix()).contains("skewJoin");
    }

    @Test
    void live_and_finished_snapshots_get_findings_on_themselves() {
        Snapshots.Run running = skewedAndSpilling().job(0, null, 9);
        running.status = RunStatus.RUNNING;
        RunSnapshot live = insight.diagnose(running.build());
        assertThat(live.findings()).extracting(Finding::kind).contains("skew");
        assertThat(live.stagePrediction().stagesRun()).isEqualTo(1);

        RunSnapshot finished = insight.diagnose(skewedAndSpilling().build());
        assertThat(finished.status().finished()).isTrue();
        assertThat(finished.findings())
                .as("the publisher diagnoses the final snapshot itself")
                .extracting(Finding::kind)
                .containsExactly("skew", "spill");

        Snapshots.Run queued = run();
        queued.status = RunStatus.QUEUED;
        assertThat(insight.diagnose(queued.build()).stagePrediction()).isNull();
    }
}
