package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Results sent to the driver close to (or over) {@code spark.driver.maxResultSize}. Over it, Spark
 * aborts the job with "Total size of serialized results of N tasks (X) is bigger than
 * spark.driver.maxResultSize (Y)"; under it, the stage's task result sizes say how close it came.
 */
record ResultSizeRule(InsightProperties.ResultSize threshold) implements Rule {

    static final String KIND = "result-size";

    private static final Pattern TRIPPED =
            Pattern.compile("Total size of serialized results of (\\d+) tasks \\(([^)]+)\\) is bigger than"
                    + " spark.driver.maxResultSize \\(([^)]+)\\)");

    @Override
    public List<Observation> check(Subject subject) {
        String error = subject.errorMessage().orElse("");
        Matcher tripped = TRIPPED.matcher(error);
        if (tripped.find()) {
            long results = SparkMetricText.parse(tripped.group(2)).orElse(0);
            long guard = SparkMetricText.parse(tripped.group(3)).orElse(subject.maxResultSizeBytes());
            return List.of(Observation.of(KIND, Severity.CRITICAL)
                    .summary(
                            "The results of %s tasks reached %s, over the driver's %s guard: Spark aborted the job",
                            tripped.group(1), tripped.group(2), tripped.group(3))
                    .detail(detail())
                    .fix(fix())
                    .numbers(
                            "tasks", Long.parseLong(tripped.group(1)),
                            "resultBytes", results,
                            "maxResultSizeBytes", guard)
                    .build());
        }
        long guard = subject.maxResultSizeBytes();
        if (guard <= 0) {
            return List.of();
        }
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            double share = (double) stage.resultSizeBytes() / guard;
            if (share < threshold.nearShare()) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d sent %s of results to the driver, %s of spark.driver.maxResultSize (%s)",
                            stage.stageId(), bytes(stage.resultSizeBytes()), percent(share), bytes(guard))
                    .detail(detail())
                    .fix(fix())
                    .numbers(
                            "resultBytes",
                            stage.resultSizeBytes(),
                            "maxResultSizeBytes",
                            guard,
                            "share",
                            Figures.share(share))
                    .build());
        }
        return out;
    }

    private static String detail() {
        return "collect(), toPandas(), take(n) with a large n and broadcast builds copy task results into the"
                + " driver's heap. spark.driver.maxResultSize caps the serialized total of one stage's task results so that Spark"
                + " fails the job cleanly instead of the driver dying with an OutOfMemoryError (in this lab the"
                + " driver is the lab itself).";
    }

    private static String fix() {
        return "Do not bring the rows home: aggregate on the executors and collect the small answer, write the"
                + " result out (df.write), or look at a sample with limit/take. Raising"
                + " spark.driver.maxResultSize only moves the cliff closer to an OutOfMemoryError.";
    }
}
