package dev.breaklab.workshop;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.ValidatedRun;
import dev.breaklab.playground.PlaygroundRuns;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * What an item of a workshop's agenda is: a catalog experiment (by its id), or a playground query
 * the room stores ({@code query-1}, {@code query-2}, ...). Its title, its questions and variants,
 * and the run it makes, each from the catalog or from the playground's sandbox.
 */
@Component
class AgendaItems {

    /** Agenda items that are playground queries: query-1, query-2, ... */
    static final String QUERY_PREFIX = "query-";

    private final WorkshopStore store;
    private final Catalog catalog;
    private final RunRequestValidator validator;
    private final PlaygroundRuns playground;

    AgendaItems(WorkshopStore store, Catalog catalog, RunRequestValidator validator, PlaygroundRuns playground) {
        this.store = store;
        this.catalog = catalog;
        this.validator = validator;
        this.playground = playground;
    }

    static boolean isQuery(String itemId) {
        return itemId != null && itemId.startsWith(QUERY_PREFIX);
    }

    /** 400 naming {@code experimentId} unless the item is on the workshop's agenda. */
    static void requireOnAgenda(Workshop w, String itemId) {
        if (itemId == null || !w.experiments().contains(itemId)) {
            throw RunProblems.invalid(
                    "experimentId",
                    "'" + itemId + "' is not on this workshop's agenda",
                    "one of " + String.join(", ", w.experiments()));
        }
    }

    String title(Workshop w, String itemId) {
        if (isQuery(itemId)) {
            String sql =
                    store.query(w.id(), itemId).map(WorkshopStore.Query::sql).orElse("");
            String line = sql.strip().replaceAll("\\s+", " ");
            return "Playground query " + itemId.substring(QUERY_PREFIX.length()) + ": "
                    + (line.length() > 60 ? line.substring(0, 60) + "…" : line);
        }
        return catalog.find(itemId).map(x -> x.definition().title()).orElse(itemId);
    }

    /** An agenda item's questions and variants: a catalog experiment's, or a playground query's. */
    ExperimentDefinition definition(Workshop w, String itemId) {
        if (isQuery(itemId)) {
            return playground.definition(playgroundRequest(query(w, itemId)).playground());
        }
        return experiment("focus", itemId);
    }

    /** The run of an agenda item: the experiment's variant and knobs, or the playground query as stored. */
    ValidatedRun run(Workshop w, String itemId, String variant, Map<String, Object> knobs) {
        if (isQuery(itemId)) {
            return playground.validate(playgroundRequest(query(w, itemId)));
        }
        return validator.validate(new RunRequest(itemId, variant, knobs, Map.of(), null));
    }

    /** A query for a new room, checked by the playground's sandbox now: a refused one never reaches the room. */
    void check(WorkshopStore.Query query) {
        playground.validate(playgroundRequest(query));
    }

    /** The catalog experiment {@code experimentId}, else a 404 naming {@code field}. */
    ExperimentDefinition experiment(String field, String experimentId) {
        return catalog.find(experimentId == null ? "" : experimentId)
                .map(Experiment::definition)
                .orElseThrow(() -> RunProblems.notFound(
                        field,
                        String.valueOf(experimentId),
                        "an experiment id of the catalog, e.g. "
                                + catalog.all().stream()
                                        .limit(3)
                                        .map(e -> e.definition().id())
                                        .collect(Collectors.joining(", "))));
    }

    private WorkshopStore.Query query(Workshop w, String itemId) {
        return store.query(w.id(), itemId)
                .orElseThrow(() -> RunProblems.notFound("focus", itemId, "an item of the workshop's agenda"));
    }

    private static RunRequest playgroundRequest(WorkshopStore.Query query) {
        return new RunRequest(
                null, null, Map.of(), Map.of(), null, new RunRequest.Playground(query.sql(), query.conf()));
    }
}
