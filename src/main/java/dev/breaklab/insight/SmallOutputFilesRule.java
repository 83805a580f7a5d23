package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A write that left many small files: the other end of {@link SmallFilesRule}. Each write task opens
 * one file per partition value it holds, so a {@code partitionBy} write after a shuffle into
 * hundreds of partitions leaves up to tasks x values files. Read from the write command's metrics:
 * "number of written files", "written output" and "number of dynamic part". Same thresholds as the
 * read side: {@code lab.insight.small-files.*}.
 */
record SmallOutputFilesRule(InsightProperties.SmallFiles threshold) implements Rule {

    static final String KIND = "small-output-files";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode write : RunQueries.fileWrites(subject.run())) {
            long files = SparkMetricText.orZero(write, "number of written files");
            long size = SparkMetricText.orZero(write, "written output");
            long parts = SparkMetricText.orZero(write, "number of dynamic part");
            if (files < threshold.minFiles() || files == 0) {
                continue;
            }
            long average = size / files;
            if (average > threshold.maxAverageSize().toBytes()) {
                continue;
            }
            String perPart = parts > 0
                    ? String.format(
                            java.util.Locale.ROOT, ", %,d per partition value over %,d values", files / parts, parts)
                    : "";
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(write.nodeName())
                    .summary(
                            "The write left %,d files of %s on average (%s in all%s)",
                            files, bytes(average), bytes(size), perPart)
                    .detail("Every write task opens one file per partition value it holds (partitionBy), or at least"
                            + " one file: so the file count is write tasks x values per task. After a shuffle into"
                            + " spark.sql.shuffle.partitions (200) partitions by some other key, every task holds"
                            + " rows of every value, and every value gets a file from every task. Every reader then"
                            + " pays per file: listing, opening, a footer read (see small-files).")
                    .fix("Shuffle by the partition column before the write: repartition(col) (one task, so one file,"
                            + " per value) or, with AQE on, the REBALANCE(col) hint, which also splits big values and"
                            + " merges small ones by spark.sql.adaptive.advisoryPartitionSizeInBytes. Without"
                            + " partitionBy: coalesce or repartition to fewer, bigger files.")
                    .numbers("files", files, "bytes", size, "averageFileBytes", average, "dynamicParts", parts)
                    .build());
        }
        return out;
    }
}
