package dev.breaklab.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts the code a learner reads out of the experiment's own source file, so the page can only show
 * what runs. The build copies {@code catalog/*Experiment.java} and {@code LessonTables.java} onto
 * the classpath under {@code lesson-sources/} (see the pom); the lines between {@code //
 * lesson:start} and {@code // lesson:end} are the lesson, several blocks joined by a blank line,
 * their common indentation removed. A lesson that calls one of the lab's shared tables ({@code LessonTables.name(...)}) shows
 * that method's source after its own code, once per method, under the line {@link #SHARED}: the
 * table is part of what ran, so it is part of the page and of the snippet.
 */
final class LessonSource {

    static final String START = "// lesson:start";
    static final String END = "// lesson:end";
    /** The line that introduces a shared table's source on the page; {@link Snippets} looks for it. */
    static final String SHARED = "// The lab's shared table ";

    /** A call of a shared table in a lesson block: {@code LessonTables.name(}. */
    static final Pattern TABLE_CALL = Pattern.compile("\\b" + LessonTables.class.getSimpleName() + "\\.(\\w+)\\(");

    private LessonSource() {}

    static String javaOf(Class<?> experiment) {
        return withTables(cut(sourceOf(experiment), experiment.getSimpleName()), sourceOf(LessonTables.class));
    }

    /** The lesson, then the source of each shared table it calls, in the order of first call. */
    static String withTables(String lesson, String tablesSource) {
        StringBuilder out = new StringBuilder(lesson);
        for (String table : tablesCalled(lesson)) {
            out.append("\n\n")
                    .append(SHARED)
                    .append(table)
                    .append(", from catalog/")
                    .append(LessonTables.class.getSimpleName())
                    .append(":\n")
                    .append(cutNamed(tablesSource, table));
        }
        return out.toString();
    }

    private static Set<String> tablesCalled(String lesson) {
        Set<String> tables = new LinkedHashSet<>();
        Matcher call = TABLE_CALL.matcher(lesson);
        while (call.find()) {
            tables.add(call.group(1));
        }
        return tables;
    }

    /**
     * The imports of the experiment's source that its lesson code can need outside the lab (Spark,
     * Scala and the JDK), one per line: a snippet starts with them so it compiles in jshell.
     */
    static String importsOf(Class<?> experiment) {
        String source = sourceOf(experiment);
        String imports = imports(source);
        if (tablesCalled(cut(source, experiment.getSimpleName())).isEmpty()) {
            return imports;
        }
        Set<String> all = new LinkedHashSet<>(List.of(imports.split("\n")));
        all.addAll(List.of(imports(sourceOf(LessonTables.class)).split("\n")));
        all.remove("");
        return String.join("\n", all);
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
        return joined(blocks);
    }

    /** The block between {@code // lesson:start name} and the next {@code // lesson:end}. */
    static String cutNamed(String source, String name) {
        List<String> block = null;
        for (String line : source.split("\n", -1)) {
            String trimmed = line.strip();
            if (block == null && trimmed.equals(START + " " + name)) {
                block = new ArrayList<>();
            } else if (block != null && trimmed.equals(END)) {
                return joined(List.of(block));
            } else if (block != null) {
                block.add(line);
            }
        }
        throw new IllegalStateException("no shared table " + name + " (" + START + " " + name + " ... " + END + ") in "
                + LessonTables.class.getSimpleName());
    }

    /** The blocks joined by a blank line, each without its common indentation. */
    private static String joined(List<List<String>> blocks) {
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
