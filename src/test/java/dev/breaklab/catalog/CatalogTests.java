package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.insight.Insight;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.PlanShape;
import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.Finding;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Every experiment proves itself: each variant runs on real Spark, every evidence claim expected on
 * that variant holds, and the central claims of the broken variant do not hold on the fixed one.
 * {@code -Dcatalog.only=id1,id2} narrows the run while working on a few experiments.
 */
@LabTest
class CatalogTests {

    private static final Map<String, Long> TIMINGS = new ConcurrentSkipListMap<>();
    private static final Map<String, Long> SQL_TIMINGS = new ConcurrentSkipListMap<>();

    @Autowired
    Catalog catalog;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    SparkSession spark;

    @Test
    void every_experiment_is_complete() {
        for (Experiment experiment : catalog.all()) {
            ExperimentDefinition d = experiment.definition();
            assertThat(d.id()).as("id").matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(d.variant("broken")).as("%s has broken", d.id()).isPresent();
            assertThat(d.variant("fixed")).as("%s has fixed", d.id()).isPresent();
            assertThat(d.concepts()).as("%s concepts", d.id()).isNotEmpty();
            assertThat(d.story()).as("%s story", d.id()).hasSizeGreaterThan(200);
            assertThat(d.code().java()).as("%s java", d.id()).isNotBlank();
            assertThat(d.code().sql() != null || d.code().noSql() != null)
                    .as("%s has SQL or says why not", d.id())
                    .isTrue();
            assertThat(d.questions()).as("%s questions", d.id()).isNotEmpty();
            assertThat(Insight.kinds())
                    .as("%s's primary finding is a kind the diagnosis reports", d.id())
                    .contains(d.primaryFinding());
            assertThat(d.evidence().stream().filter(Evidence::central))
                    .as("%s has a central claim about the broken variant", d.id())
                    .anySatisfy(e -> assertThat(e.expectedIn()).contains("broken"));
            for (Evidence evidence : d.evidence()) {
                for (String variant : evidence.expectedIn()) {
                    assertThat(d.variant(variant))
                            .as("%s evidence %s names variant %s", d.id(), evidence.id(), variant)
                            .isPresent();
                }
            }
            for (Knob knob : d.knobs()) {
                assertThat(knob.parse(knob.defaultValue()))
                        .as("%s default of %s", d.id(), knob.name())
                        .isNotNull();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> every_variant_proves_its_evidence() {
        Set<String> only = Arrays.stream(System.getProperty("catalog.only", "").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        Runs runs = new Runs(engine, validator, store);
        List<DynamicTest> tests = new ArrayList<>();
        for (Experiment experiment : catalog.all()) {
            ExperimentDefinition d = experiment.definition();
            if (d.requires() != ExperimentDefinition.Requires.EMBEDDED || !only.isEmpty() && !only.contains(d.id())) {
                continue;
            }
            for (Variant variant : d.variants()) {
                tests.add(DynamicTest.dynamicTest(d.id() + " / " + variant.name(), () -> check(runs, d, variant)));
            }
        }
        return tests.stream();
    }

    private void check(Runs runs, ExperimentDefinition d, Variant variant) {
        long start = System.nanoTime();
        RunSnapshot run = runs.run(new RunRequest(d.id(), variant.name(), Map.of(), Map.of(), null));
        TIMINGS.put(d.id() + " / " + variant.name(), (System.nanoTime() - start) / 1_000_000);

        assertThat(run.status())
                .as("%s / %s ended %s: %s", d.id(), variant.name(), run.status(), run.error())
                .isIn(RunStatus.SUCCEEDED, RunStatus.FAILED);
        assertThat(spark.sparkContext().isStopped()).as("Spark survived").isFalse();
        // No streaming query outlives its run, in any session: Spark runs each on a thread of its own.
        assertThat(Thread.getAllStackTraces().keySet().stream()
                        .filter(Thread::isAlive)
                        .map(Thread::getName)
                        .filter(name -> name.startsWith("stream execution thread")))
                .as("%s / %s left streaming queries running", d.id(), variant.name())
                .isEmpty();
        assertThat(run.evidence()).hasSameSizeAs(d.evidence());
        for (EvidenceResult evidence : run.evidence()) {
            if (evidence.expected() || evidence.id().equals(centralOfBroken(d))) {
                assertThat(evidence.error())
                        .as("%s / %s: the check of '%s' failed", d.id(), variant.name(), evidence.claim())
                        .isNull();
            }
            if (evidence.expected()) {
                assertThat(evidence.holds())
                        .as("%s / %s: %s (%s)", d.id(), variant.name(), evidence.claim(), evidence.measured())
                        .isTrue();
            }
        }
        if (variant.name().equals("fixed")) {
            assertThat(run.status())
                    .as("%s / fixed must succeed before its evidence means anything: %s", d.id(), run.error())
                    .isEqualTo(RunStatus.SUCCEEDED);
            for (Evidence central : d.evidence()) {
                if (central.central()
                        && central.expectedIn().contains("broken")
                        && !central.expectedIn().contains("fixed")) {
                    EvidenceResult result = run.evidence().stream()
                            .filter(e -> e.id().equals(central.id()))
                            .findFirst()
                            .orElseThrow();
                    assertThat(result.holds())
                            .as(
                                    "%s / fixed must not show the broken claim: %s (%s)",
                                    d.id(), central.claim(), result.measured())
                            .isFalse();
                }
            }
        }
        if (run.status() == RunStatus.SUCCEEDED) {
            assertThat(run.jobs())
                    .as("%s / %s ran Spark jobs", d.id(), variant.name())
                    .isNotEmpty();
            checkSqlTab(d, variant, run);
        }
        if (d.primaryFinding() != null && variant.name().equals("broken")) {
            assertThat(run.findings())
                    .extracting(Finding::kind)
                    .as("%s / broken reports its primary finding", d.id())
                    .contains(d.primaryFinding());
        }
        if (d.primaryFinding() != null && variant.name().equals("fixed")) {
            assertThat(run.findings())
                    .extracting(Finding::kind)
                    .as("%s / fixed no longer reports the primary finding", d.id())
                    .doesNotContain(d.primaryFinding());
        }
    }

    /**
     * The SQL tab is the same lesson: run on Spark with the run's settings and knob values, its final
     * plans have the run's join operators, shuffles, broadcasts and AQE markers.
     */
    private void checkSqlTab(ExperimentDefinition d, Variant variant, RunSnapshot run) {
        KnobValues knobs = d.knobValues(variant, run.knobs());
        d.sql(variant, knobs).ifPresent(sql -> {
            long start = System.nanoTime();
            List<PlanNode> plans = LessonSql.run(spark, run.conf(), sql);
            SQL_TIMINGS.put(d.id() + " / " + variant.name(), (System.nanoTime() - start) / 1_000_000);
            assertThat(PlanShape.of(plans))
                    .as("%s / %s: the SQL tab plans like the run", d.id(), variant.name())
                    .isEqualTo(PlanShape.of(run.finalPlans()));
        });
    }

    private static String centralOfBroken(ExperimentDefinition d) {
        return d.evidence().stream()
                .filter(e -> e.central() && e.expectedIn().contains("broken"))
                .map(Evidence::id)
                .findFirst()
                .orElse("");
    }

    @AfterAll
    static void report() {
        if (TIMINGS.isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder("\nCatalog run times (submit to explained):\n");
        TIMINGS.forEach((name, ms) -> out.append(String.format(Locale.ROOT, "  %-45s %7d ms%n", name, ms)));
        out.append(String.format(
                Locale.ROOT,
                "  %-45s %7d ms over %d runs%n",
                "total",
                TIMINGS.values().stream().mapToLong(Long::longValue).sum(),
                TIMINGS.size()));
        out.append(String.format(
                Locale.ROOT,
                "  SQL tabs run: %d, %d ms in all%n",
                SQL_TIMINGS.size(),
                SQL_TIMINGS.values().stream().mapToLong(Long::longValue).sum()));
        System.out.println(out);
    }
}
