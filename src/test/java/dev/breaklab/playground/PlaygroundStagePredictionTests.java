package dev.breaklab.playground;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.plan.StageCount;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.telemetry.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The stage predictor on queries no lesson uses: with AQE off, the stages the initial plan implies
 * equal the stages Spark ran, for every TPC-H query and the extra shapes of {@link TpchQueries};
 * with AQE on, every difference is named.
 */
@LabTest
class PlaygroundStagePredictionTests {

    @Autowired
    PlaygroundRuns playground;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    TpchData tpch;

    /** The tables exist before the first query (a request would get 503 while they are generated). */
    @BeforeEach
    void tables() {
        tpch.ensure();
    }

    RunSnapshot run(String sql, Map<String, Object> conf) {
        RunRequest request = new RunRequest(null, null, Map.of(), Map.of(), null, new RunRequest.Playground(sql, conf));
        RunSnapshot submitted = engine.submit(playground.validate(request));
        return new Runs(engine, validator, store).awaitFinished(submitted.id(), Duration.ofMinutes(2));
    }

    @Test
    void with_aqe_off_the_prediction_equals_the_stages_spark_ran_on_every_shape() {
        SoftAssertions softly = new SoftAssertions();
        List<String> report = new ArrayList<>();
        for (Map.Entry<String, String> query : TpchQueries.ALL.entrySet()) {
            RunSnapshot run = run(
                    query.getValue(),
                    Map.of("spark.sql.adaptive.enabled", "false", "spark.sql.shuffle.partitions", "4"));
            StageCount count = run.stagePrediction();
            softly.assertThat(run.status())
                    .as(query.getKey() + " " + run.error())
                    .isEqualTo(RunStatus.SUCCEEDED);
            softly.assertThat(count).as(query.getKey()).isNotNull();
            if (count != null) {
                report.add(String.format(
                        "%-22s predicted %2d stages / %d jobs, ran %2d stages / %d jobs%s",
                        query.getKey(),
                        count.predictedStages(),
                        count.predictedJobs(),
                        count.stagesRun(),
                        count.jobs(),
                        count.differences().isEmpty() ? "" : " " + count.differences()));
                softly.assertThat(count.predictedStages())
                        .as(query.getKey() + ": " + count)
                        .isEqualTo(count.stagesRun());
            }
            // The form asks one question per join of the plan; each is checked against the join
            // operator Spark ran in the same place: as many questions as join operators ran.
            long joinQuestions = run.predictions().stream()
                    .filter(p -> p.questionId().startsWith("join-"))
                    .count();
            List<String> joinsRan = RunQueries.joinStrategies(run);
            report.add(String.format("%-22s %d join questions, joins ran %s", "", joinQuestions, joinsRan));
            softly.assertThat(joinQuestions)
                    .as(query.getKey() + ": join questions vs joins ran " + joinsRan)
                    .isEqualTo(Math.min(joinsRan.size(), PlaygroundRuns.MAX_JOIN_QUESTIONS));
        }
        System.out.println("AQE off:\n" + String.join("\n", report));
        softly.assertAll();
        assertThat(TpchQueries.ALL).hasSizeGreaterThanOrEqualTo(20);
    }

    @Test
    void with_aqe_on_every_difference_is_named() {
        SoftAssertions softly = new SoftAssertions();
        List<String> report = new ArrayList<>();
        for (Map.Entry<String, String> query : TpchQueries.ALL.entrySet()) {
            RunSnapshot run = run(
                    query.getValue(),
                    Map.of("spark.sql.adaptive.enabled", "true", "spark.sql.shuffle.partitions", "4"));
            StageCount count = run.stagePrediction();
            softly.assertThat(run.status())
                    .as(query.getKey() + " " + run.error())
                    .isEqualTo(RunStatus.SUCCEEDED);
            if (count != null) {
                report.add(String.format(
                        "%-22s predicted %2d, ran %2d, skipped %d: %s",
                        query.getKey(),
                        count.predictedStages(),
                        count.stagesRun(),
                        count.stagesSkipped(),
                        count.differences()));
                softly.assertThat(count.explained())
                        .as(query.getKey() + ": " + count)
                        .isTrue();
            }
        }
        System.out.println("AQE on:\n" + String.join("\n", report));
        softly.assertAll();
    }
}
