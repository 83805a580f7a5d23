package dev.breaklab.insight;

import static dev.breaklab.insight.MetricText.percent;
import static dev.breaklab.insight.Observation.conf;
import static dev.breaklab.insight.Observation.numbers;

import dev.breaklab.telemetry.RunSnapshot.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * GC pressure: the JVM spent a large share of the stage's task time collecting garbage. The Spark
 * UI marks "GC Time" red above 10% of task time; that is this rule's default too.
 */
record GcRule(InsightProperties.Gc threshold) implements Rule {

    static final String KIND = "gc-pressure";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            long run = stage.executorRunTimeMs();
            if (run < threshold.minRunTime().toMillis()) {
                continue;
            }
            double share = (double) stage.gcTimeMs() / run;
            if (share < threshold.share()) {
                continue;
            }
            out.add(new Observation(
                    KIND,
                    share >= 2 * threshold.share() ? Severity.CRITICAL : Severity.WARNING,
                    stage.stageId(),
                    null,
                    String.format(
                            Locale.ROOT,
                            "Stage %d spent %s of its task time in GC (%d ms of %d ms)",
                            stage.stageId(),
                            percent(share),
                            stage.gcTimeMs(),
                            run),
                    "Tasks that create many short-lived objects (a boxed object per row in RDD code, UDFs that"
                            + " allocate, large collections built per record) keep the garbage collector busy,"
                            + " and while it runs the tasks wait. DataFrame operators avoid this by working on"
                            + " Tungsten's binary rows. In the embedded engine every task shares the lab's JVM, so"
                            + " a pause counts in every task that was running.",
                    "Allocate less per row: use DataFrame/Dataset built-in functions instead of RDD lambdas over"
                            + " boxed objects or per-row UDFs; cache in serialized form; or give each task more"
                            + " heap (fewer concurrent tasks, bigger executors).",
                    numbers(
                            "gcTimeMs",
                            stage.gcTimeMs(),
                            "executorRunTimeMs",
                            run,
                            "gcShare",
                            MetricText.share(share),
                            "shareThreshold",
                            threshold.share()),
                    conf()));
        }
        return out;
    }
}
