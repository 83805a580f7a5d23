package dev.breaklab.insight;

import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * GC pressure: the JVM spent a large share of the stage's task time collecting garbage. The Spark
 * UI's Executors tab marks "Task Time (GC Time)" red above 10% of task time (executorspage.js,
 * GCTimePercent = 0.1); that is this rule's default too. A task's GC time is the JVM's collection
 * time while it ran, so concurrent tasks of one executor share every pause: in the embedded engine,
 * where every task and the lab share one JVM, a stage's share depends on the heap's state, and
 * {@link HeapObjectsRule} names the cause the data shows instead.
 */
record GcRule(InsightProperties.Gc threshold) implements Rule {

    static final String KIND = "gc-pressure";

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
            out.add(Observation.of(KIND, share >= 2 * threshold.share() ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d spent %s of its task time in GC (%d ms of %d ms)",
                            stage.stageId(), percent(share), stage.gcTimeMs(), run)
                    .detail("Tasks that create many short-lived objects (a boxed object per row in RDD code, UDFs that"
                            + " allocate, large collections built per record) keep the garbage collector busy,"
                            + " and while it runs the tasks wait. DataFrame operators avoid this by working on"
                            + " Tungsten's binary rows. In the embedded engine every task shares the lab's JVM, so"
                            + " a pause counts in every task that was running.")
                    .fix("Allocate less per row: use DataFrame/Dataset built-in functions instead of RDD lambdas over"
                            + " boxed objects or per-row UDFs; cache in serialized form; or give each task more"
                            + " heap (fewer concurrent tasks, bigger executors).")
                    .numbers(
                            "gcTimeMs",
                            stage.gcTimeMs(),
                            "executorRunTimeMs",
                            run,
                            "gcShare",
                            Figures.share(share),
                            "shareThreshold",
                            threshold.share())
                    .build());
        }
        return out;
    }
}
