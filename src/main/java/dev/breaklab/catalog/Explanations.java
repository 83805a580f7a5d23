package dev.breaklab.catalog;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.EvidenceResult;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Evaluates an experiment's evidence claims and the learner's predictions on a finished run. */
public final class Explanations {

    private Explanations() {}

    public static List<EvidenceResult> evidence(ExperimentDefinition definition, String variant, RunSnapshot run) {
        List<EvidenceResult> out = new ArrayList<>();
        for (Evidence evidence : definition.evidence()) {
            Verdict verdict;
            String error = null;
            try {
                verdict = evidence.check().apply(run);
            } catch (RuntimeException e) {
                error = e.toString();
                verdict = new Verdict(false, "could not be measured on this run: " + e.getMessage());
            }
            out.add(new EvidenceResult(
                    evidence.id(),
                    evidence.claim(),
                    evidence.expectedIn().contains(variant),
                    verdict.holds(),
                    verdict.measured(),
                    error));
        }
        return out;
    }

    public static List<PredictionResult> predictions(
            ExperimentDefinition definition, Map<String, String> answers, RunSnapshot run) {
        List<PredictionResult> out = new ArrayList<>();
        for (Question question : definition.questions()) {
            String actual;
            try {
                actual = question.actual().apply(run);
            } catch (RuntimeException e) {
                actual = null;
            }
            String answer = answers.get(question.id());
            Boolean correct = answer == null || actual == null ? null : Question.matches(answer, actual);
            out.add(new PredictionResult(question.id(), question.text(), answer, actual, correct));
        }
        return out;
    }
}
