package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A scan of many small files: every file costs an open, a footer read and a listing entry, which
 * dwarf the bytes in it. The scan's SQL metrics say it: "number of files read" and "size of files
 * read".
 */
record SmallFilesRule(InsightProperties.SmallFiles threshold) implements Rule {

    static final String KIND = "small-files";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode scan : subject.finalOperators()) {
            long files = SparkMetricText.orZero(scan, "number of files read");
            long size = SparkMetricText.orZero(scan, "size of files read");
            if (files < threshold.minFiles() || files == 0) {
                continue;
            }
            long average = size / files;
            if (average > threshold.maxAverageSize().toBytes()) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(scan.nodeName())
                    .summary("The scan read %,d files of %s on average (%s in all)", files, bytes(average), bytes(size))
                    .detail(
                            "Each file costs a fixed price whatever its size: listing it, opening it, reading its footer"
                                    + " and schema. Spark packs small files into splits (spark.sql.files.maxPartitionBytes,"
                                    + " counting spark.sql.files.openCostInBytes per file), so the task count may look"
                                    + " fine, but every task still opens hundreds of files to read a few kilobytes from"
                                    + " each. Small files come from writers with too many partitions (one file per task"
                                    + " per partition value) or from streaming micro-batches.")
                    .fix("Compact the data into files of 128 MB-1 GB (repartition or coalesce before the write, or a"
                            + " periodic compaction job); when reading, larger splits"
                            + " (spark.sql.files.maxPartitionBytes) cut the task count.")
                    .numbers("files", files, "bytes", size, "averageFileBytes", average)
                    .build());
        }
        return out;
    }
}
