package dev.breaklab.catalog;

/**
 * The usual shape of a lesson: its definition is written once, in its constructor, and its job in
 * {@link #run}. Implementing {@link Experiment} directly still works.
 *
 * <pre>{@code
 * @Component
 * class TinyPartitionsExperiment extends ExperimentBase {
 *     TinyPartitionsExperiment() {
 *         super(define("tiny-partitions", TinyPartitionsExperiment.class).title("...")...);
 *     }
 *
 *     @Override
 *     public String run(ExperimentRun run) { ... }
 * }
 * }</pre>
 */
abstract class ExperimentBase implements Experiment {

    private final ExperimentDefinition definition;

    /** @param definition everything but {@code build()}: the base builds and checks it */
    ExperimentBase(ExperimentDefinition.Builder definition) {
        this.definition = definition.build();
    }

    static ExperimentDefinition.Builder define(String id, Class<? extends Experiment> source) {
        return ExperimentDefinition.define(id, source);
    }

    @Override
    public final ExperimentDefinition definition() {
        return definition;
    }
}
