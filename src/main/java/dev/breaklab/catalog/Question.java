package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.breaklab.run.RunSnapshot;
import java.util.List;
import java.util.function.Function;

/**
 * A prediction the learner makes before a run; the answer is read off the finished run. A lesson's own
 * question gets its words from the lesson's text file ({@code question <id>: ...}, see {@link
 * LessonText}); the shared questions of {@link Questions} come with theirs.
 *
 * @param choices the allowed answers, or empty for a whole-number answer
 * @param actual what the run says the answer is
 */
public record Question(
        String id,
        String text,
        List<String> choices,
        @JsonIgnore Function<RunSnapshot, String> actual) {

    /** A lesson's own question with a whole-number answer; its words are in the lesson's text file. */
    public static Question number(String id, Function<RunSnapshot, Object> actual) {
        return number(id, null, actual);
    }

    /** A question with its words (the shared vocabulary, the playground). */
    public static Question number(String id, String text, Function<RunSnapshot, Object> actual) {
        return new Question(id, text, List.of(), s -> String.valueOf(actual.apply(s)));
    }

    /** "Will it succeed or fail?", answered by the run's final status. */
    public static Question outcome(String text) {
        return choice("outcome", text, List.of("SUCCEEDED", "FAILED"), run -> run.status()
                .name());
    }

    /** A lesson's own multiple-choice question; its words are in the lesson's text file. */
    public static Question choice(String id, List<String> choices, Function<RunSnapshot, String> actual) {
        return choice(id, null, choices, actual);
    }

    /** A question with its words (the shared vocabulary, the playground). */
    public static Question choice(String id, String text, List<String> choices, Function<RunSnapshot, String> actual) {
        return new Question(id, text, List.copyOf(choices), actual);
    }

    Question withText(String text) {
        return new Question(id, text, choices, actual);
    }

    @com.fasterxml.jackson.annotation.JsonProperty("kind")
    public String kind() {
        return choices.isEmpty() ? "number" : "choice";
    }

    /** Whether {@code answer} matches {@code truth}; numbers compare as numbers, choices ignore case. */
    public static boolean matches(String answer, String truth) {
        if (answer == null || truth == null) {
            return false;
        }
        String a = answer.trim();
        String t = truth.trim();
        try {
            return Double.parseDouble(a) == Double.parseDouble(t);
        } catch (NumberFormatException notNumbers) {
            return a.equalsIgnoreCase(t);
        }
    }
}
