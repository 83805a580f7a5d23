package dev.breaklab.insight;

import dev.breaklab.run.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a streaming restart did: a restart on a checkpoint whose state no longer fits the query
 * (Spark's state schema error), and rows a replay wrote twice into a sink that is not idempotent
 * (the run's own "sinkRows" and "sinkDistinctRows" measurements).
 */
record StreamRestartRule() implements Rule {

    static final String KIND = "stream-restart";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        String error = subject.run().error() == null
                ? ""
                : (subject.run().error().errorClass() + " "
                                + subject.run().error().message())
                        .toUpperCase(Locale.ROOT);
        if (error.contains("STATE") && error.contains("SCHEMA")) {
            out.add(Observation.of(KIND, Severity.CRITICAL)
                    .summary("The restart failed: the checkpoint's state does not fit the changed query")
                    .detail("A streaming query's checkpoint holds its offsets and its state, and the state's schema is"
                            + " that of the query that wrote it (keys and values of the aggregation). Changing the"
                            + " grouping keys or aggregates changes that schema, and Spark refuses to read the old"
                            + " state with the new query rather than return wrong results.")
                    .fix("Start the changed query on a new checkpoint location (and backfill if the old state matters);"
                            + " only changes that keep the state schema may reuse a checkpoint.")
                    .build());
        }
        long rows = subject.run().measurements().getOrDefault("sinkRows", -1L);
        long distinct = subject.run().measurements().getOrDefault("sinkDistinctRows", -1L);
        if (rows > 0 && distinct >= 0 && rows > distinct) {
            out.add(Observation.of(KIND, Severity.CRITICAL)
                    .summary("The replay after the restart wrote %,d duplicate row(s)", rows - distinct)
                    .detail("After a failure Spark replays the last uncommitted batch from the checkpoint. Exactly-once"
                            + " needs the sink to cooperate: a sink that appends whatever it is given writes the"
                            + " rows of that batch again if some of them were written before the crash.")
                    .fix("Use an idempotent sink (the file sink, or foreachBatch writing with the batch id as a key /"
                            + " MERGE), so a replayed batch overwrites instead of appending.")
                    .numbers("sinkRows", rows, "sinkDistinctRows", distinct, "duplicates", rows - distinct)
                    .build());
        }
        return out;
    }
}
