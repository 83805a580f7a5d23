package dev.breaklab.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.insight.ExperimentFixes.VariantSettings;
import dev.breaklab.run.Severity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FixResolverTests {

    static final ExperimentFixes EXPERIMENT = new ExperimentFixes(
            List.of(
                    new VariantSettings("broken", Map.of("spark.sql.adaptive.enabled", "false"), Map.of()),
                    new VariantSettings(
                            "fixed",
                            Map.of(
                                    "spark.sql.adaptive.enabled", "true",
                                    "spark.sql.adaptive.skewJoin.enabled", "true"),
                            Map.of())),
            Map.of("shufflePartitions", "spark.sql.shuffle.partitions"));

    static Observation observation(Severity severity, Map<String, String> fixConf) {
        return new Observation("k", severity, 1, null, "s", "d", "f", Map.of(), fixConf);
    }

    @Test
    void a_variant_that_sets_the_fix_is_offered() {
        var action = FixResolver.resolve(
                observation(Severity.WARNING, Map.of("spark.sql.adaptive.skewJoin.enabled", "true")),
                "broken",
                Optional.of(EXPERIMENT));
        assertThat(action.variant()).isEqualTo("fixed");
        assertThat(action.knobs()).isEmpty();
    }

    @Test
    void setting_values_compare_as_spark_reads_them() {
        assertThat(FixResolver.same("10MB", "10m")).isTrue();
        assertThat(FixResolver.same("10MB", "10485760")).isTrue();
        assertThat(FixResolver.same("true", "TRUE")).isTrue();
        assertThat(FixResolver.same("10MB", "1m")).isFalse();
        assertThat(FixResolver.same("true", null)).isFalse();
    }

    @Test
    void else_the_knob_that_controls_the_setting() {
        var action = FixResolver.resolve(
                observation(Severity.WARNING, Map.of("spark.sql.shuffle.partitions", "800")),
                "fixed",
                Optional.of(EXPERIMENT));
        assertThat(action.variant()).isEqualTo("fixed");
        assertThat(action.knobs()).containsEntry("shufflePartitions", 800L);
    }

    @Test
    void else_the_experiments_fixed_variant_for_problems_but_not_for_explanations() {
        var conf = Map.of("spark.sql.files.maxPartitionBytes", "256m");
        assertThat(FixResolver.resolve(observation(Severity.WARNING, conf), "broken", Optional.of(EXPERIMENT))
                        .variant())
                .isEqualTo("fixed");
        assertThat(FixResolver.resolve(observation(Severity.INFO, conf), "broken", Optional.of(EXPERIMENT)))
                .isNull();
        assertThat(FixResolver.resolve(observation(Severity.WARNING, conf), "fixed", Optional.of(EXPERIMENT)))
                .isNull();
        assertThat(FixResolver.resolve(observation(Severity.WARNING, conf), "broken", Optional.empty()))
                .isNull();
    }
}
