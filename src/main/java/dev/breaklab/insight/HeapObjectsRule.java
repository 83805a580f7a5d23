package dev.breaklab.insight;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Records held as Java objects: an RDD stage (a job outside any SQL execution) that took in many
 * records and used no Spark-managed execution memory keeps whatever it holds as objects on the heap,
 * where only the garbage collector manages them; DataFrame operators keep theirs as Tungsten binary
 * rows in memory Spark accounts for (peak execution memory above zero). Judged on data Spark reports
 * (records, peak execution memory, the job's SQL execution), not on GC time, which in one shared JVM
 * depends on the heap's state ({@link GcRule} reports the GC share itself).
 */
record HeapObjectsRule() implements Rule {

    static final String KIND = "records-as-objects";

    /** Records an RDD stage must take in to count. */
    static final long MIN_RECORDS = 100_000;

    @Override
    public List<Observation> check(Subject subject) {
        Set<Integer> rddStages = new HashSet<>();
        subject.run().jobs().stream()
                .filter(job -> job.sqlExecutionId() == null)
                .forEach(job -> rddStages.addAll(job.stageIds()));
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            long records = stage.inputRecords() + stage.shuffleReadRecords();
            if (!rddStages.contains(stage.stageId()) || stage.peakExecutionMemory() != 0 || records < MIN_RECORDS) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d took in %s records in RDD code with no Spark-managed memory: what it keeps, it"
                                    + " keeps as Java objects (%d ms of GC in %d ms of task time)",
                            stage.stageId(), Figures.count(records), stage.gcTimeMs(), stage.executorRunTimeMs())
                    .detail("RDD lambdas work on Java objects: a boxed object per row, and whatever a partition"
                            + " collects (a HashMap of events) lives on the heap, invisible to Spark's memory"
                            + " manager, which can neither spill it nor account for it; only the garbage collector"
                            + " manages it. The same logic as DataFrame operators keeps its state as binary rows"
                            + " in execution memory Spark tracks, spills when short, and shows as peak execution"
                            + " memory.")
                    .fix("Express the logic with DataFrame/Dataset built-in functions (groupBy/agg) instead of"
                            + " RDD lambdas that build collections per partition.")
                    .numbers(
                            "records",
                            records,
                            "peakExecutionMemory",
                            stage.peakExecutionMemory(),
                            "gcTimeMs",
                            stage.gcTimeMs(),
                            "minRecords",
                            MIN_RECORDS)
                    .build());
        }
        return out;
    }
}
