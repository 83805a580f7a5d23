package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.Severity;
import java.util.ArrayList;
import java.util.List;

/**
 * A selective filter over a file scan of which nothing reached the scan ({@code PushedFilters: []}):
 * the file format could not skip anything, and every row was decoded and handed to the filter.
 * Typical cause: a UDF, which the optimizer cannot translate into a data source filter. Read from
 * the scan's "PushedFilters" and "number of output rows" and the filter's "number of output rows".
 */
record FilterPushdownRule() implements Rule {

    static final String KIND = "filter-not-pushed";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (WastedScan wasted : WastedScan.in(subject)) {
            PlanNode scan = wasted.scan();
            boolean printsPushed =
                    scan.simpleString() != null && scan.simpleString().contains("PushedFilters: [");
            if (!printsPushed || !RunQueries.scanList(scan, "PushedFilters").isEmpty()) {
                continue;
            }
            long scanned = wasted.scanned();
            long kept = wasted.kept();
            double share = wasted.share();
            PlanNode filter = wasted.filter();
            String condition = filter.simpleString() == null ? "" : filter.simpleString();
            // An unnamed Scala or Java UDF prints as UDF(...); a registered one prints its own name.
            boolean udf = condition.contains("UDF(");
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(scan.nodeName())
                    .summary(
                            "The scan handed %,d rows to a filter that kept %.1f%% of them; nothing of the filter"
                                    + " reached the scan (PushedFilters: [])",
                            scanned, 100 * share)
                    .detail("Spark translates simple comparisons of a column with a literal (=, <, >=, IN,"
                            + " IS NOT NULL, StartsWith...) into data source filters, and Parquet uses them to skip"
                            + " row groups by their min/max statistics. This filter ("
                            + (condition.length() > 120 ? condition.substring(0, 117) + "..." : condition)
                            + ") could not be translated"
                            + (udf
                                    ? ": a UDF is a black box to the optimizer, which cannot look inside it, so every"
                                            + " row is decoded and passed to the function."
                                    : " (a registered UDF prints under its own name), so every row is decoded"
                                            + " before it is dropped."))
                    .fix("Write the condition with built-in expressions on the column (col(\"t\").geq(cutoff) instead"
                            + " of a UDF returning t >= cutoff), or add such a built-in condition next to the UDF so"
                            + " the scan can skip what it excludes.")
                    .numbers("rowsScanned", scanned, "rowsKept", kept)
                    .build());
        }
        return out;
    }
}
