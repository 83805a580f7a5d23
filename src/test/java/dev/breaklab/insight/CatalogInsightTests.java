package dev.breaklab.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.plan.StageCount;
import dev.breaklab.plan.StageCount.Reason;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Every experiment explains itself on real Spark: the broken variant produces its primary finding,
 * the fixed variant does not (and the comparison lists it as resolved); the stage predictor equals
 * Spark's stage count whenever AQE is off, and names a reason for every difference when it is on.
 * {@code -Dcatalog.only=id1,id2} narrows the run.
 */
@LabTest
class CatalogInsightTests {

    private static final Map<String, String> REPORT = new ConcurrentSkipListMap<>();

    @Autowired
    Catalog catalog;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    MockMvc mvc;

    @TestFactory
    Stream<DynamicTest> every_experiment_explains_itself() {
        Set<String> only = Arrays.stream(System.getProperty("catalog.only", "").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
        Runs runs = new Runs(engine, validator, store);
        List<DynamicTest> tests = new ArrayList<>();
        for (Experiment experiment : catalog.all()) {
            String id = experiment.definition().id();
            if (experiment.definition().requires() != ExperimentDefinition.Requires.EMBEDDED
                    || !only.isEmpty() && !only.contains(id)) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(
                    id, () -> check(runs, id, experiment.definition().primaryFinding())));
        }
        return tests.stream();
    }

    private void check(Runs runs, String id, String primary) throws Exception {
        assertThat(Insight.kinds())
                .as("%s names a finding kind the diagnosis has", id)
                .contains(primary);

        RunSnapshot broken = runs.run(id, "broken");
        assertThat(kinds(broken))
                .as("%s / broken (%s) produces %s: %s", id, broken.status(), primary, broken.findings())
                .contains(primary);
        RunSnapshot fixed = runs.run(id, "fixed");
        assertThat(kinds(fixed))
                .as("%s / fixed (%s) does not produce %s: %s", id, fixed.status(), primary, fixed.findings())
                .doesNotContain(primary);
        assertThat(FindingChanges.between(broken, fixed).resolved())
                .extracting(Finding::kind)
                .contains(primary);

        boolean streaming = !broken.batches().isEmpty() || !fixed.batches().isEmpty();
        if (streaming) {
            // Micro-batches are queries of their own: the stage predictor does not cover streams.
            assertThat(broken.stagePrediction()).isNull();
            REPORT.put(
                    id,
                    primary + " (streaming; " + broken.findings().size() + " findings broken, "
                            + fixed.findings().size() + " fixed)");
            return;
        }
        boolean anyAqeOff = checkStages(id + " / broken", broken) | checkStages(id + " / fixed", fixed);
        // Every experiment gets one complete run without AQE, where the prediction must be exact.
        for (String variant : List.of("fixed", "broken")) {
            if (!anyAqeOff) {
                RunSnapshot off = runs.run(id, variant, Map.of("spark.sql.adaptive.enabled", "false"));
                anyAqeOff = checkStages(id + " / " + variant + ", AQE off", off);
            }
        }
        assertThat(anyAqeOff).as("%s had a complete run without AQE", id).isTrue();

        mvc.perform(get("/api/runs/" + broken.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.findings[?(@.kind == '" + primary + "')].summary")
                        .isNotEmpty())
                .andExpect(jsonPath("$.stagePrediction.predictedStages").isNumber());
        mvc.perform(get("/api/runs/" + broken.id() + "/compare/" + fixed.id()))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.findings.resolved[?(@.kind == '" + primary + "')]")
                        .isNotEmpty());
        REPORT.put(
                id,
                primary + " (" + broken.findings().size() + " findings broken, "
                        + fixed.findings().size() + " fixed)");
    }

    /**
     * Asserts the stage check of one run; returns whether it ran to the end without AQE (a failed run
     * stops before its later stages: then the difference must be named, not zero).
     */
    private static boolean checkStages(String name, RunSnapshot run) {
        StageCount count = run.stagePrediction();
        assertThat(count).as("%s has a stage prediction", name).isNotNull();
        boolean adaptive = count.executions().stream().anyMatch(p -> p.adaptive());
        assertThat(count.differences())
                .as("%s: every difference is explained: %s", name, count)
                .noneMatch(d -> d.reason() == Reason.UNEXPLAINED);
        assertThat(count.explained()).as("%s explained", name).isTrue();
        boolean complete = run.status() == RunStatus.SUCCEEDED;
        if (!adaptive && complete) {
            // Jobs outside SQL (RDD code, Spark's parallel file listing) have no plan to predict from:
            // they are named, and the planned stages must match exactly.
            int outsideSql = count.differences().stream()
                    .filter(d -> d.reason() == Reason.NON_SQL_JOBS)
                    .mapToInt(d -> d.stages())
                    .sum();
            assertThat(count.differences())
                    .as("%s: AQE off, only jobs outside SQL may differ (other notes change no count): %s", name, count)
                    .allMatch(d -> d.reason() == Reason.NON_SQL_JOBS || d.stages() == 0 && d.jobs() == 0);
            assertThat(count.predictedStages() + outsideSql)
                    .as("%s: AQE off, predicted stages equal stages run: %s", name, count)
                    .isEqualTo(count.stagesRun());
        } else if (count.jobs() > count.predictedJobs()) {
            assertThat(count.has(Reason.AQE_QUERY_STAGE_JOBS))
                    .as("%s: AQE's extra jobs are named: %s", name, count)
                    .isTrue();
        }
        REPORT.put(
                name + " stages",
                String.format(
                        Locale.ROOT,
                        "predicted %d, ran %d, skipped %d, jobs %d/%d%s",
                        count.predictedStages(),
                        count.stagesRun(),
                        count.stagesSkipped(),
                        count.jobs(),
                        count.predictedJobs(),
                        count.differences().isEmpty()
                                ? ""
                                : " "
                                        + count.differences().stream()
                                                .map(d -> d.reason().name())
                                                .toList()));
        return !adaptive && complete;
    }

    private static List<String> kinds(RunSnapshot run) {
        return run.findings().stream().map(Finding::kind).toList();
    }

    @AfterAll
    static void report() {
        StringBuilder out = new StringBuilder("\nInsight per experiment:\n");
        REPORT.forEach((name, line) -> out.append(String.format(Locale.ROOT, "  %-50s %s%n", name, line)));
        System.out.println(out);
    }
}
