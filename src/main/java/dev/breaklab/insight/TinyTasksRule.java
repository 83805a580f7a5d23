package dev.breaklab.insight;

import static dev.breaklab.insight.Observation.conf;
import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Many tasks that each do almost nothing: the stage's time goes into scheduling, launching and
 * tracking tasks rather than computing. Spark UI: "Tasks: 2000/2000" with a median of a few ms.
 */
record TinyTasksRule(InsightProperties.TinyTasks threshold) implements Rule {

    static final String KIND = "tiny-tasks";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            long median = stage.taskDurationMs().p50();
            long bytesPerTask = (stage.inputBytes() + stage.shuffleReadBytes()) / Math.max(1, stage.numTasks());
            if (stage.numTasks() < threshold.minTasks()
                    || stage.taskDurationMs().count() < threshold.minTasks()
                    || median > threshold.maxMedian().toMillis()
                    || bytesPerTask > threshold.maxBytesPerTask().toBytes()) {
                continue;
            }
            Double overhead = overheadShare(stage, subject.cores());
            boolean shuffled = stage.shuffleReadBytes() > 0;
            out.add(Observation.of(KIND, overhead != null && overhead >= 0.5 ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d ran %,d tiny tasks: median %d ms, %s of data each%s",
                            stage.stageId(),
                            stage.numTasks(),
                            median,
                            bytes(bytesPerTask),
                            overhead == null ? "" : "; " + percent(overhead) + " of its core-time was overhead")
                    .detail("Every task costs a fixed price on top of its work: the driver schedules and tracks it, an"
                            + " executor deserializes and launches it, and it opens a block per map output (and"
                            + " writes a file per partition on output). With "
                            + String.format(Locale.ROOT, "%,d", stage.numTasks())
                            + " tasks that do a few milliseconds of work each, that price is most of the stage:"
                            + " the cores were busy computing for only part of the stage's wall time"
                            + " (executor run time against stage time x cores)."
                            + (subject.run().batches().isEmpty()
                                    ? ""
                                    : " This is a streaming query: AQE does not coalesce its partitions, and the"
                                            + " state store keeps spark.sql.shuffle.partitions fixed from the first"
                                            + " run of the checkpoint."))
                    .fix(
                            shuffled
                                    ? "Let AQE coalesce small post-shuffle partitions (spark.sql.adaptive.enabled=true,"
                                            + " spark.sql.adaptive.coalescePartitions.enabled=true; target size"
                                            + " spark.sql.adaptive.advisoryPartitionSizeInBytes), or set"
                                            + " spark.sql.shuffle.partitions near the shuffle size / 128 MB (at least the"
                                            + " number of cores)."
                                    : "Read fewer, larger splits: raise spark.sql.files.maxPartitionBytes and"
                                            + " spark.sql.files.openCostInBytes, or compact the small files.")
                    .numbers(
                            "tasks", stage.numTasks(),
                            "medianTaskMs", median,
                            "medianShuffleReadBytes",
                                    stage.taskShuffleReadBytes().p50(),
                            "stageMs", stage.durationMs(),
                            "executorRunTimeMs", stage.executorRunTimeMs(),
                            "cores", subject.cores(),
                            "overheadShare", overhead == null ? null : Figures.share(overhead))
                    .fixConf(
                            shuffled
                                    ? conf(
                                            "spark.sql.adaptive.enabled",
                                            "true",
                                            "spark.sql.adaptive.coalescePartitions.enabled",
                                            "true")
                                    : conf())
                    .build());
        }
        return out;
    }

    /** 1 - compute time / available core-time: the share of the stage's slots not spent computing. */
    static Double overheadShare(StageSnapshot stage, int cores) {
        if (stage.durationMs() == null || stage.durationMs() <= 0 || cores <= 0) {
            return null;
        }
        double available = (double) stage.durationMs() * Math.min(cores, Math.max(1, stage.numTasks()));
        return Math.max(0, Math.min(1, 1 - stage.executorRunTimeMs() / available));
    }
}
