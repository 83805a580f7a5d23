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
 * time while it ran, so concurrent tasks of one executor share every pause.
 */
record GcRule(InsightProperties.Gc threshold) implements Rule {

    static final String KIND = "gc-pressure";

    /** Records an RDD stage must hold as objects to count as GC-bound whatever its GC share. */
    static final long HEAP_RECORDS = 100_000;

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        java.util.Set<Integer> rddStages = new java.util.HashSet<>();
        subject.run().jobs().stream()
                .filter(job -> job.sqlExecutionId() == null)
                .forEach(job -> rddStages.addAll(job.stageIds()));
        for (StageSnapshot stage : subject.measuredStages()) {
            long run = stage.executorRunTimeMs();
            if (run < threshold.minRunTime().toMillis()) {
                continue;
            }
            double share = (double) stage.gcTimeMs() / run;
            // RDD code that held many records without any Spark-managed memory keeps them as Java
            // objects: the GC, not Spark, does that memory's work, however large its share this time.
            boolean heapObjects = rddStages.contains(stage.stageId())
                    && stage.peakExecutionMemory() == 0
                    && stage.inputRecords() + stage.shuffleReadRecords() >= HEAP_RECORDS
                    && stage.gcTimeMs() > 0;
            if (share < threshold.share() && !heapObjects) {
                continue;
            }
            out.add(Observation.of(KIND, share >= 2 * threshold.share() ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d spent %s of its task time in GC (%d ms of %d ms)%s",
                            stage.stageId(),
                            percent(share),
                            stage.gcTimeMs(),
                            run,
                            heapObjects ? ", holding its records as Java objects Spark's memory manager never saw" : "")
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
