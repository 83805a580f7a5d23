package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.SqlSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cache that did not hold: the source under an {@code InMemoryTableScan} produced rows in more
 * than one SQL execution of the run. The first action that reads a cached DataFrame computes its
 * partitions and stores them; an action after it computes from the source only the partitions the
 * cache does not have (a MEMORY_ONLY block that did not fit, or one evicted since). The plan shows
 * the cached plan under the scan with this execution's metrics, so its source rows are the
 * recomputation.
 */
record PartialCacheRule() implements Rule {

    static final String KIND = "partial-cache";

    @Override
    public List<Observation> check(Subject subject) {
        Map<String, List<Long>> rowsPerExecution = new LinkedHashMap<>();
        for (SqlSnapshot sql : subject.run().sql()) {
            PlanNode plan = sql.finalPlan().map(PlanVersion::tree).orElse(null);
            if (plan == null) {
                continue;
            }
            Map<String, Long> rows = new LinkedHashMap<>();
            plan.stream().filter(n -> n.named("InMemoryTableScan")).forEach(cache -> cachedScans(cache, rows));
            rows.forEach((scan, n) -> rowsPerExecution
                    .computeIfAbsent(scan, s -> new ArrayList<>())
                    .add(n));
        }
        List<Observation> out = new ArrayList<>();
        rowsPerExecution.forEach((scan, rows) -> {
            long later = rows.stream().skip(1).mapToLong(Long::longValue).sum();
            if (rows.size() < 2 || rows.get(0) == 0 || later == 0) {
                return;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(scan)
                    .summary(
                            "The cache did not hold: after the first action built it, %d later action(s) computed"
                                    + " %,d rows from the source again (%s)",
                            rows.size() - 1, later, scan)
                    .detail("An action over a cached DataFrame reads the partitions the cache holds and computes the"
                            + " others from the source, the whole lineage. With MEMORY_ONLY a partition that does"
                            + " not fit in the executors' storage memory is never stored (the Storage tab's"
                            + " Fraction Cached stays below 100%), and a stored one can be evicted by other cached"
                            + " data or by execution memory down to spark.memory.storageFraction. (The first action"
                            + " may also have computed only some partitions, as take() or show() do.)")
                    .fix("MEMORY_AND_DISK (the default of Dataset.cache()) keeps what does not fit on disk; or cache"
                            + " less: only the columns and rows the later actions read; or give the executors more"
                            + " memory.")
                    .numbers("actions", rows.size(), "firstRows", rows.get(0), "recomputedRows", later)
                    .build());
        });
        return out;
    }

    /** The source scans inside a cached plan, with the rows they produced in this execution. */
    private static void cachedScans(PlanNode node, Map<String, Long> out) {
        if (node.children().isEmpty() && (node.named("Range") || node.nodeName().contains("Scan"))) {
            out.merge(
                    RecomputationRule.signature(node),
                    SparkMetricText.orZero(node, "number of output rows"),
                    Long::sum);
        }
        for (PlanNode child : node.children()) {
            cachedScans(child, out);
        }
    }
}
