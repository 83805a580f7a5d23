package dev.breaklab.engine;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.Experiment;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.InvalidKnobException;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.catalog.Question;
import dev.breaklab.catalog.Variant;
import dev.breaklab.system.LabProperties;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Checks a {@link RunRequest} against the catalog and the lab's limits, without Spark: the
 * experiment, the variant, every knob (type and range), every prediction and the time limit. Bad
 * input is an RFC 9457 problem naming the {@code field} at fault and what is {@code allowed}; the
 * first fault found wins, in that order.
 */
@Component
public class RunRequestValidator {

    private final Catalog catalog;
    private final LabProperties.Runs limits;
    /** The engine's mode now (the one a switch under way goes to): runs queued now run there. */
    private final Supplier<String> mode;

    /** With the configured mode: for tests and slices without an engine. */
    public RunRequestValidator(Catalog catalog, LabProperties properties) {
        this(catalog, properties, () -> properties.engine().mode());
    }

    @Autowired
    RunRequestValidator(Catalog catalog, LabProperties properties, ObjectProvider<EmbeddedSpark> engine) {
        this(catalog, properties, () -> {
            EmbeddedSpark spark = engine.getIfAvailable();
            return spark == null ? properties.engine().mode() : spark.mode().json();
        });
    }

    private RunRequestValidator(Catalog catalog, LabProperties properties, Supplier<String> mode) {
        this.catalog = catalog;
        this.limits = properties.runs();
        this.mode = mode;
    }

    /** The run the request asks for, resolved: the variant's knob values and Spark settings applied. */
    public ValidatedRun validate(RunRequest request) {
        Experiment experiment = catalog.find(request.experimentId())
                .orElseThrow(() -> RunProblems.notFound(
                        "experimentId", String.valueOf(request.experimentId()), "one of " + experimentIds()));
        ExperimentDefinition definition = experiment.definition();
        if (definition.requires() == ExperimentDefinition.Requires.CLUSTER
                && mode.get().equals("embedded")) {
            throw RunProblems.needsCluster(definition.id());
        }
        String variantNames = definition.variants().stream().map(Variant::name).collect(Collectors.joining(", "));
        if (request.variant() == null || request.variant().isBlank()) {
            throw RunProblems.invalid("variant", "variant is required", "one of " + variantNames);
        }
        Variant variant = definition
                .variant(request.variant())
                .orElseThrow(() -> RunProblems.notFound("variant", request.variant(), "one of " + variantNames));
        KnobValues knobs;
        try {
            knobs = definition.knobValues(variant, request.knobs());
        } catch (InvalidKnobException e) {
            throw RunProblems.invalid("knobs." + e.knob(), e.getMessage(), e.allowed());
        }
        validateAnswers(definition, request.predictions(), "predictions.");
        Duration timeout = timeout(request.timeoutSeconds());
        return new ValidatedRun(
                experiment, variant, knobs, definition.conf(variant, knobs), request.predictions(), timeout);
    }

    /** Answers to the experiment's questions (a run's predictions, a workshop's poll), fields {@code prefix + id}. */
    public static void validateAnswers(
            ExperimentDefinition definition, Map<String, String> predictions, String fieldPrefix) {
        for (Map.Entry<String, String> entry : predictions.entrySet()) {
            String field = fieldPrefix + entry.getKey();
            Question question = definition
                    .question(entry.getKey())
                    .orElseThrow(() -> RunProblems.invalid(
                            field,
                            "unknown question '" + entry.getKey() + "' for " + definition.id(),
                            "one of "
                                    + definition.questions().stream()
                                            .map(Question::id)
                                            .collect(Collectors.joining(", "))));
            String answer = entry.getValue();
            if (answer == null || answer.isBlank()) {
                throw RunProblems.invalid(field, "the answer is empty", allowedAnswers(question));
            }
            if (!question.choices().isEmpty()
                    && question.choices().stream().noneMatch(c -> c.equalsIgnoreCase(answer.trim()))) {
                throw RunProblems.invalid(
                        field, "'" + answer + "' is not an answer to " + question.id(), allowedAnswers(question));
            }
            if (question.choices().isEmpty()) {
                try {
                    long n = Long.parseLong(answer.trim());
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw RunProblems.invalid(
                            field, "'" + answer + "' is not a whole number", allowedAnswers(question));
                }
            }
        }
    }

    private static String allowedAnswers(Question question) {
        return question.choices().isEmpty()
                ? "a whole number from 0"
                : "one of " + String.join(", ", question.choices());
    }

    private Duration timeout(Integer seconds) {
        return timeout(seconds, limits.timeout(), limits.maxTimeout(), "");
    }

    /**
     * A run's timeout: {@code timeoutSeconds} when asked for, from 1 to {@code max} seconds, else
     * {@code byDefault}.
     *
     * @param forWhat what the problem's message adds after the range (" for a playground run")
     */
    public static Duration timeout(Integer seconds, Duration byDefault, Duration max, String forWhat) {
        if (seconds == null) {
            return byDefault;
        }
        long most = max.toSeconds();
        if (seconds < 1 || seconds > most) {
            throw RunProblems.invalid(
                    "timeoutSeconds",
                    "timeoutSeconds must be from 1 to " + most + forWhat + ", got " + seconds,
                    "an integer from 1 to " + most);
        }
        return Duration.ofSeconds(seconds);
    }

    private String experimentIds() {
        return catalog.all().stream().map(e -> e.definition().id()).collect(Collectors.joining(", "));
    }
}
