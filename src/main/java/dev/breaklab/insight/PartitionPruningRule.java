package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A scan of a partitioned table that read every partition although a filter right above it threw
 * most rows away: the filter never became a partition filter. Spark prunes partitions with any
 * deterministic predicate that refers to partition columns only (a cast, a function, even a UDF of
 * the partition column); what it cannot prune with is a predicate on another column, such as the
 * event timestamp the partition was derived from. Read from the scan's "PartitionFilters", "number
 * of partitions read" and "number of output rows", and the filter's "number of output rows".
 */
record PartitionPruningRule() implements Rule {

    static final String KIND = "no-partition-pruning";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (WastedScan wasted : WastedScan.in(subject)) {
            PlanNode scan = wasted.scan();
            long partitions = SparkMetricText.orZero(scan, "number of partitions read");
            if (partitions < 2 || !RunQueries.pruningFilters(scan).isEmpty()) {
                continue;
            }
            long scanned = wasted.scanned();
            long kept = wasted.kept();
            double share = wasted.share();
            long files = SparkMetricText.orZero(scan, "number of files read");
            long size = SparkMetricText.orZero(scan, "size of files read");
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(scan.nodeName())
                    .summary(
                            "The scan read all %,d partitions (%,d files, %s) and the filter above it kept %.1f%% of"
                                    + " the rows: none of the filter pruned a partition",
                            partitions, files, bytes(size), 100 * share)
                    .detail("The table is partitioned, but the scan's PartitionFilters hold no predicate, so Spark"
                            + " opened the files of every partition and filtered the rows afterwards ("
                            + filterText(wasted.filter())
                            + "). Spark prunes with any deterministic predicate that refers to partition columns only:"
                            + " a cast, a function, even a UDF of the partition column still prunes. It cannot prune"
                            + " with a predicate on another column, however closely it follows the partition column"
                            + " (the event time a day partition was derived from).")
                    .fix("Filter on the partition column itself (WHERE day = ... or a range of days) next to, or"
                            + " instead of, the filter on the column it was derived from; for a join, let dynamic"
                            + " partition pruning work (a filtered dimension joined on the partition column,"
                            + " spark.sql.optimizer.dynamicPartitionPruning.enabled).")
                    .numbers(
                            "partitionsRead", partitions,
                            "filesRead", files,
                            "bytesRead", size,
                            "rowsScanned", scanned,
                            "rowsKept", kept)
                    .build());
        }
        return out;
    }

    private static String filterText(PlanNode filter) {
        String text = filter.simpleString() == null ? "Filter" : filter.simpleString();
        return text.length() > 160 ? text.substring(0, 157) + "..." : text;
    }
}
