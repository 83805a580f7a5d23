package dev.breaklab.catalog;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** All experiments, by id. Every {@link Experiment} bean is part of the catalog. */
@Component
public class Catalog {

    private final Map<String, Experiment> experiments = new LinkedHashMap<>();

    public Catalog(List<Experiment> experiments) {
        experiments.stream()
                .sorted(Comparator.comparing(
                                (Experiment e) -> e.definition().concepts().get(0))
                        .thenComparing(e -> e.definition().id()))
                .forEach(e -> {
                    Experiment previous = this.experiments.put(e.definition().id(), e);
                    if (previous != null) {
                        throw new IllegalStateException(
                                "Two experiments share the id " + e.definition().id());
                    }
                });
    }

    public List<Experiment> all() {
        return List.copyOf(experiments.values());
    }

    public Optional<Experiment> find(String id) {
        return Optional.ofNullable(id == null ? null : experiments.get(id));
    }
}
