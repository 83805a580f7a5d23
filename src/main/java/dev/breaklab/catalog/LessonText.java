package dev.breaklab.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Everything a lesson's page says in words lives in a text file the teacher edits as prose, {@code
 * src/main/resources/catalog/lessons/<experiment-id>.txt}; the Java holds what runs and what is
 * checked, each named by an id the file uses:
 *
 * <pre>
 * title: Spill: buffers that do not fit go to disk
 * summary: A window over big groups buffers each group; when the buffer outgrows
 *     its limit, Spark spills it to disk.
 *
 * variant broken: Window buffer too small
 *     The window's buffer spills every 4,096 rows
 * knob groups: Groups
 *     Distinct keys: rows per group = rows / groups
 * question spills: Will the run spill to disk?
 * claim spilled: A stage spilled: its tasks wrote buffered rows to disk
 *
 * story:
 * Plain paragraphs separated by a blank line, ...
 * </pre>
 *
 * An entry starts at the beginning of a line ({@code title}, {@code summary}, {@code no-sql}, {@code variant
 * <name>}, {@code knob <name>}, {@code question <id>}, {@code claim <evidence-id>}); indented lines continue it, joined by a
 * space. A variant's or knob's indented lines are its description, the rest of its first line its title
 * or label. {@code no-sql} says why the lesson has no SQL form (the RDD API, a streaming sink); a lesson
 * without it has {@code sql(...)}. Everything after the line {@code
 * story:} is the story: plain paragraphs separated by a blank line, wrapped as the writer likes, no
 * markdown. {@code ${name}} anywhere stands for a value the experiment gives with {@code value(name,
 * value)}, for a figure that depends on the lab's settings.
 *
 * @param entries each entry's key ({@code title}, {@code variant broken}, ...) and its lines: the first
 *     line's text, then the continuation, joined
 */
record LessonText(String file, Map<String, Entry> entries, String story) {

    /** Where the lesson files are on the class path; the file is {@code <id>.txt}. */
    static final String FOLDER = "catalog/lessons/";

    private static final Pattern PARAGRAPH_BREAK = Pattern.compile("\\n[ \\t]*\\n");
    private static final Pattern VALUE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");
    private static final Pattern KEY =
            Pattern.compile("(title|summary|no-sql|variant [\\w-]+|knob \\w+|question [\\w-]+|claim [\\w-]+):(.*)");

    /** An entry: the text on its first line and the text of its indented lines (empty if none). */
    record Entry(String first, String more) {

        /** The whole entry as one line of prose. */
        String text() {
            return more.isEmpty() ? first : (first + " " + more).strip();
        }
    }

    /** Where the file of lesson {@code id} is in the source tree, for messages. */
    static String path(String id) {
        return "src/main/resources/" + FOLDER + id + ".txt";
    }

    /** The text file of lesson {@code id}, if there is one. */
    static Optional<LessonText> of(String id) {
        try (InputStream in = LessonText.class.getClassLoader().getResourceAsStream(FOLDER + id + ".txt")) {
            return in == null
                    ? Optional.empty()
                    : Optional.of(parse(path(id), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(id), e);
        }
    }

    /**
     * @throws IllegalStateException naming the file and the line when a line is not an entry, a key is
     *     given twice or there is no {@code story:}
     */
    static LessonText parse(String file, String content) {
        List<String> lines = content.replace("\r\n", "\n").lines().toList();
        int story = lines.indexOf("story:");
        if (story < 0) {
            throw new IllegalStateException(file + " has no line 'story:' before the story");
        }
        Map<String, String[]> raw = new LinkedHashMap<>();
        String key = null;
        for (int i = 0; i < story; i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (key == null) {
                    throw new IllegalStateException(file + " line " + (i + 1) + " continues no entry");
                }
                String[] entry = raw.get(key);
                entry[1] = (entry[1] + " " + line.strip()).strip();
                continue;
            }
            Matcher m = KEY.matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException(
                        file + " line " + (i + 1) + " is not an entry: it starts with"
                                + " 'title:', 'summary:', 'no-sql:', 'variant <name>:', 'knob <name>:', 'question <id>:', 'claim <id>:' or 'story:'");
            }
            key = m.group(1);
            if (raw.put(key, new String[] {m.group(2).strip(), ""}) != null) {
                throw new IllegalStateException(file + " line " + (i + 1) + " gives '" + key + "' a second time");
            }
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        raw.forEach((k, v) -> entries.put(k, new Entry(v[0], v[1])));
        return new LessonText(file, entries, paragraphs(String.join("\n", lines.subList(story + 1, lines.size()))));
    }

    /** Paragraphs joined by a blank line, each paragraph's lines joined by a space. */
    static String paragraphs(String text) {
        return Arrays.stream(PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").strip()))
                .map(p -> p.lines().map(String::strip).collect(Collectors.joining(" ")))
                .collect(Collectors.joining("\n\n"));
    }

    /**
     * {@code text} with every {@code ${name}} replaced by its value.
     *
     * @throws IllegalStateException naming the file and the placeholder when a value is missing
     */
    static String fill(String file, String text, Map<String, Object> values) {
        Matcher m = VALUE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            if (!values.containsKey(m.group(1))) {
                throw new IllegalStateException(file + " says ${" + m.group(1)
                        + "} but the experiment gives no value(\"" + m.group(1) + "\", ...)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(values.get(m.group(1)))));
        }
        return m.appendTail(out).toString();
    }
}
