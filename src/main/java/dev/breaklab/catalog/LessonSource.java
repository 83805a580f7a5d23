package dev.breaklab.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the code a learner reads out of the experiment's own source file, so the page can only show
 * what runs. The build copies {@code catalog/*Experiment.java} onto the classpath under {@code
 * lesson-sources/} (see the pom); the lines between {@code // lesson:start} and {@code //
 * lesson:end} are the lesson, several blocks joined by a blank line, their common indentation
 * removed.
 */
final class LessonSource {

    static final String START = "// lesson:start";
    static final String END = "// lesson:end";

    private LessonSource() {}

    static String javaOf(Class<?> experiment) {
        return cut(sourceOf(experiment), experiment.getSimpleName());
    }

    /**
     * The imports of the experiment's source that its lesson code can need outside the lab (Spark,
     * Scala and the JDK), one per line: a snippet starts with them so it compiles in jshell.
     */
    static String importsOf(Class<?> experiment) {
        return imports(sourceOf(experiment));
    }

    static String imports(String source) {
        List<String> out = new ArrayList<>();
        for (String line : source.split("\n")) {
            String trimmed = line.strip();
            String name = trimmed.startsWith("import static ")
                    ? trimmed.substring("import static ".length())
                    : trimmed.startsWith("import ") ? trimmed.substring("import ".length()) : null;
            if (name != null
                    && (name.startsWith("org.apache.spark.")
                            || name.startsWith("scala.")
                            || name.startsWith("java."))) {
                out.add(trimmed);
            }
        }
        return String.join("\n", out);
    }

    private static String sourceOf(Class<?> experiment) {
        String path = "/lesson-sources/" + experiment.getName().replace('.', '/') + ".java";
        try (InputStream in = experiment.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the build did not copy the source of " + experiment.getName() + " to "
                        + path + " (run the build through Maven)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String cut(String source, String name) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : source.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.equals(START)) {
                if (current != null) {
                    throw new IllegalStateException(name + ": " + START + " inside a lesson block");
                }
                current = new ArrayList<>();
            } else if (trimmed.equals(END)) {
                if (current == null) {
                    throw new IllegalStateException(name + ": " + END + " without " + START);
                }
                blocks.add(current);
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        if (current != null) {
            throw new IllegalStateException(name + ": " + START + " never ended");
        }
        if (blocks.isEmpty()) {
            throw new IllegalStateException(name + " marks no lesson code (" + START + " ... " + END + ")");
        }
        List<String> out = new ArrayList<>();
        for (List<String> block : blocks) {
            if (!out.isEmpty()) {
                out.add("");
            }
            int indent = block.stream()
                    .filter(l -> !l.isBlank())
                    .mapToInt(l -> l.length() - l.stripLeading().length())
                    .min()
                    .orElse(0);
            block.forEach(l -> out.add(l.isBlank() ? "" : l.substring(indent).stripTrailing()));
        }
        return String.join("\n", out).strip();
    }
}
