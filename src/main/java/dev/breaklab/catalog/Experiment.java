package dev.breaklab.catalog;

/** One broken experiment: what it is, and the Spark job that runs for a variant. */
public interface Experiment {

    ExperimentDefinition definition();

    /**
     * Builds the variant's job on the run's own session and runs its action(s).
     *
     * @return a one-line summary of the result, shown beside the run
     */
    String run(ExperimentRun run) throws Exception;
}
