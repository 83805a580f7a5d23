package dev.breaklab.catalog;

import java.util.List;
import java.util.Optional;

/**
 * Everything about an experiment that is not the Spark job itself.
 *
 * @param requires {@code embedded} when it runs anywhere, {@code cluster} when it needs separate
 *     executor processes
 */
public record ExperimentDefinition(
        String id,
        String title,
        String summary,
        List<Concept> concepts,
        String story,
        Code code,
        List<Knob> knobs,
        List<Variant> variants,
        List<Question> questions,
        List<Evidence> evidence,
        String requires) {

    public record Code(String java, String sql) {}

    public Optional<Variant> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    public Optional<Knob> knob(String name) {
        return knobs.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public Optional<Question> question(String id) {
        return questions.stream().filter(q -> q.id().equals(id)).findFirst();
    }
}
