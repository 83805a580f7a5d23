package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A file scan whose rows a filter above it mostly threw away: the wasted read that both the
 * filter-pushdown and the partition-pruning rules start from, each then asking why the scan could
 * not skip them. Read from the scan's and the filter's "number of output rows".
 *
 * @param scanned rows the scan produced
 * @param kept rows the filter let through
 */
record WastedScan(PlanNode scan, PlanNode filter, long scanned, long kept) {

    /** Rows a scan must produce before a wasted read matters. */
    static final long MIN_ROWS = 10_000;

    /** The filter keeps at most this share of the scanned rows. */
    static final double MAX_KEPT = 0.2;

    /** Every file scan of the run that produced at least {@link #MIN_ROWS} of which the filter kept at most {@link #MAX_KEPT}. */
    static List<WastedScan> in(Subject subject) {
        List<WastedScan> out = new ArrayList<>();
        for (PlanNode scan : RunQueries.fileScans(subject.run())) {
            long scanned = SparkMetricText.orZero(scan, "number of output rows");
            Optional<PlanNode> filter = RunQueries.filterOver(subject.run().finalPlans(), scan);
            if (scanned < MIN_ROWS || filter.isEmpty()) {
                continue;
            }
            long kept = SparkMetricText.orZero(filter.get(), "number of output rows");
            if ((double) kept / scanned <= MAX_KEPT) {
                out.add(new WastedScan(scan, filter.get(), scanned, kept));
            }
        }
        return out;
    }

    /** The share of the scanned rows the filter kept. */
    double share() {
        return (double) kept / scanned;
    }
}
