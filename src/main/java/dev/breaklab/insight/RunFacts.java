package dev.breaklab.insight;

import java.util.Optional;

/**
 * What the diagnosis needs to know beyond the snapshot: the engine's cores and result-size guard,
 * and an experiment's variants and knobs (to turn a fix into a run). Provided by the engine, so
 * this package stays free of Spark.
 */
public interface RunFacts {

    /** Task slots: Spark's {@code defaultParallelism} (local[N]: N). */
    int cores();

    /** {@code spark.driver.maxResultSize} in bytes; 0 when unlimited. */
    long maxResultSizeBytes();

    Optional<ExperimentFixes> fixes(String experimentId);
}
