package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Spill: a task's sort, aggregation, join or window buffer outgrew its share of execution memory,
 * so Spark wrote it to disk and read it back. Spark UI: "Spill (Memory)" and "Spill (Disk)".
 */
record SpillRule(InsightProperties.Spill threshold) implements Rule {

    static final String KIND = "spill";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        String operator = spillingOperator(subject);
        for (StageSnapshot stage : subject.measuredStages()) {
            long memory = stage.memorySpilledBytes();
            long disk = stage.diskSpilledBytes();
            if (Math.max(memory, disk) < Math.max(1, threshold.minBytes().toBytes())) {
                continue;
            }
            long consumed = stage.inputBytes() + stage.shuffleReadBytes();
            double diskShare = consumed == 0 ? 0 : (double) disk / consumed;
            boolean critical = consumed > 0 && diskShare >= threshold.criticalDiskShare();
            long partitions = parse(subject.conf("spark.sql.shuffle.partitions", "200"), 200);
            out.add(Observation.of(KIND, critical ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .operator(operator)
                    .summary(
                            "Stage %d spilled %s from memory (%s on disk)%s",
                            stage.stageId(), bytes(memory), bytes(disk), operator == null ? "" : " in " + operator)
                    .detail(
                            "A task keeps its sort, hash-aggregation, join or window buffer in execution memory; when it"
                                    + " outgrows the task's share (roughly execution memory / concurrent tasks, or a spill"
                                    + " threshold set on the operator) Spark sorts what it has, writes it to disk and"
                                    + " merges it back later. Spill (Memory) is the in-memory size of what was written,"
                                    + " Spill (Disk) its size on disk: extra serialization, disk writes and reads, and the"
                                    + " stage slows down.")
                    .fix("Give each task less data: more, smaller partitions (raise spark.sql.shuffle.partitions, or"
                            + " let AQE size them with spark.sql.adaptive.advisoryPartitionSizeInBytes); restore"
                            + " spill thresholds that were lowered (spark.sql.windowExec.buffer.spill.threshold,"
                            + " spark.sql.sortMergeJoinExec.buffer.spill.threshold); or give executors more"
                            + " memory.")
                    .numbers(
                            "memorySpilledBytes", memory,
                            "diskSpilledBytes", disk,
                            "inputBytes", stage.inputBytes(),
                            "shuffleReadBytes", stage.shuffleReadBytes(),
                            "peakExecutionMemory", stage.peakExecutionMemory(),
                            "tasks", stage.numTasks())
                    .fixConf("spark.sql.shuffle.partitions", Long.toString(Math.max(partitions * 4, subject.cores())))
                    .build());
        }
        return out;
    }

    /** The operator whose "spill size" SQL metric is largest in the final plans, if any spilled. */
    private static String spillingOperator(Subject subject) {
        PlanNode best = null;
        long most = 0;
        for (PlanNode node : subject.finalOperators()) {
            long spilled = SparkMetricText.orZero(node, "spill size");
            if (spilled > most) {
                most = spilled;
                best = node;
            }
        }
        return best == null ? null : best.nodeName();
    }

    static long parse(String value, long fallback) {
        try {
            return Long.parseLong(value.trim());
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
