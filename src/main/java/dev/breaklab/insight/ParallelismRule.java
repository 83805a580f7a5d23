package dev.breaklab.insight;

import static dev.breaklab.insight.Observation.conf;
import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Too little parallelism: a long stage with fewer tasks than cores, so some cores have nothing to
 * do for its whole length. Spark UI: the event timeline has empty executor lanes.
 */
record ParallelismRule(InsightProperties.Parallelism threshold) implements Rule {

    static final String KIND = "low-parallelism";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        int cores = subject.cores();
        for (StageSnapshot stage : subject.measuredStages()) {
            if (stage.status() != StageStatus.COMPLETE
                    || stage.numTasks() >= cores
                    || stage.durationMs() == null
                    || stage.durationMs() < threshold.minStageDuration().toMillis()) {
                continue;
            }
            double idle = idleShare(stage, cores);
            if (idle < threshold.minIdleShare()) {
                continue;
            }
            boolean coalescedToFew = subject.run()
                            .anyFinalPlanNode(n -> n.named("AQEShuffleRead")
                                    && n.simpleString().contains("coalesced"))
                    && !subject.confTrue("spark.sql.adaptive.coalescePartitions.parallelismFirst", true);
            Map<String, String> fixConf = coalescedToFew
                    ? conf("spark.sql.adaptive.coalescePartitions.parallelismFirst", "true")
                    : stage.shuffleReadBytes() > 0
                            ? conf("spark.sql.shuffle.partitions", Integer.toString(cores * 2))
                            : conf();
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d ran %d task(s) on %d cores for %d ms: %s of its core-time was idle",
                            stage.stageId(), stage.numTasks(), cores, stage.durationMs(), percent(idle))
                    .detail(
                            "A stage runs one task per partition, and one task uses one core. With fewer partitions than"
                                    + " cores, the remaining cores have nothing to do for the whole stage"
                                    + (coalescedToFew
                                            ? "; here AQE coalesced the shuffle into very few partitions because"
                                                    + " spark.sql.adaptive.coalescePartitions.parallelismFirst=false lets"
                                                    + " it aim for advisoryPartitionSizeInBytes regardless of the cores"
                                            : "")
                                    + ". Typical causes: a window or sort with no partitioning (everything in one"
                                    + " partition), coalesce(1), a small file read as one split, or too few shuffle"
                                    + " partitions.")
                    .fix("Give the stage at least as many partitions as cores (2-3x is better): repartition before the"
                            + " heavy work, raise spark.sql.shuffle.partitions, partition the window"
                            + " (Window.partitionBy), or keep spark.sql.adaptive.coalescePartitions.parallelismFirst"
                            + " on.")
                    .numbers(
                            "tasks", stage.numTasks(),
                            "cores", cores,
                            "stageMs", stage.durationMs(),
                            "executorRunTimeMs", stage.executorRunTimeMs(),
                            "idleCoreShare", Figures.share(idle))
                    .fixConf(fixConf)
                    .build());
        }
        return out;
    }

    /** The share of the stage's core-time (wall time x cores) not spent running tasks. */
    static double idleShare(StageSnapshot stage, int cores) {
        double available = (double) stage.durationMs() * Math.max(1, cores);
        return Math.max(0, Math.min(1, 1 - stage.executorRunTimeMs() / available));
    }
}
