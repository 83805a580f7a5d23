package dev.breaklab.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A lesson's story lives in a text file the teacher edits as prose, {@code
 * src/main/resources/catalog/stories/<experiment-id>.txt}: plain paragraphs separated by a blank line,
 * wrapped as the writer likes (a line break inside a paragraph is a space). It is plain text, as the
 * page shows it: no markdown. {@code ${name}} stands for a value the experiment gives with {@code
 * storyValue(name, value)}, for a figure that depends on the lab's settings.
 */
final class Stories {

    /** Where the story files are on the class path; the file is {@code <id>.txt}. */
    static final String FOLDER = "catalog/stories/";

    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n[ \\t]*\\n");
    private static final Pattern VALUE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    private Stories() {}

    /** The story file of experiment {@code id} as the page shows it, if there is one. */
    static Optional<String> file(String id) {
        try (InputStream in = Stories.class.getClassLoader().getResourceAsStream(FOLDER + id + ".txt")) {
            return in == null
                    ? Optional.empty()
                    : Optional.of(paragraphs(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the story of " + id, e);
        }
    }

    /** Paragraphs joined by a blank line, each paragraph's lines joined by a space. */
    static String paragraphs(String text) {
        return Arrays.stream(PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip()))
                .map(p -> p.lines().map(String::strip).collect(Collectors.joining(" ")))
                .collect(Collectors.joining("\n\n"));
    }

    /**
     * {@code story} with every {@code ${name}} replaced by its value.
     *
     * @throws IllegalStateException naming the experiment and the placeholder when a value is missing
     */
    static String fill(String id, String story, Map<String, Object> values) {
        Matcher m = VALUE.matcher(story);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (!values.containsKey(m.group(1))) {
                throw new IllegalStateException("the story of experiment " + id + " says ${" + m.group(1)
                        + "} but the experiment gives no storyValue(\"" + m.group(1) + "\", ...)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(values.get(m.group(1)))));
        }
        return m.appendTail(out).toString();
    }
}
