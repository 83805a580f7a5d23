package dev.breaklab.catalog;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A variant as something to paste: the exact Spark settings the lab applies, then the lesson's code
 * with the knob values written in. SQL runs in {@code spark-sql} or statement by statement through
 * {@code spark.sql(...)}; Java runs in {@code jshell} or a notebook with Spark 4.2 on the classpath
 * and a {@code SparkSession} named {@code spark}. The lab's own hooks become what they stand for:
 * {@code run.execute(q)} is a {@code noop} write, {@code run.collect(q)} a collect.
 */
public final class Snippets {

    /** The languages a snippet comes in. */
    public enum Language {
        SQL,
        JAVA;

        public static Optional<Language> parse(String name) {
            for (Language l : values()) {
                if (l.name().equalsIgnoreCase(name)) {
                    return Optional.of(l);
                }
            }
            return Optional.empty();
        }
    }

    private static final Pattern KNOB =
            Pattern.compile("\\bk\\.(integer|intValue|decimal|bool|choice)\\(\"(\\w+)\"\\)");
    private static final Pattern RUN_CALL = Pattern.compile("\\brun\\.(\\w+)\\(");
    private static final String TMP = "java.nio.file.Path.of(System.getProperty(\"java.io.tmpdir\"), \"breaklab\"";

    private Snippets() {}

    /** The snippet, or empty when the lesson has no form in that language (no SQL for RDD code). */
    public static Optional<String> of(ExperimentDefinition d, Variant variant, KnobValues knobs, Language language) {
        Map<String, String> conf = d.conf(variant, knobs);
        String title = d.id() + " / " + variant.name() + ", as Spark Break Lab runs it on Spark 4.2";
        return switch (language) {
            case SQL ->
                d.sql(variant, knobs)
                        .map(sql -> "-- " + title + "\n" + settings(conf, "SET %s=%s;\n") + "\n" + sql.strip() + ";\n");
            case JAVA ->
                Optional.of("// " + title + "\n" + imports(d.code().imports())
                        + settings(conf, "spark.conf().set(\"%s\", \"%s\");\n") + "\n"
                        + java(d.code().java(), variant.name(), knobs));
        };
    }

    private static String imports(String imports) {
        return imports.isEmpty() ? "" : imports + "\n\n";
    }

    /** The lesson's Java with knob values and the lab's hooks replaced by plain Spark. */
    static String java(String lesson, String variant, KnobValues knobs) {
        Matcher knob = KNOB.matcher(lesson);
        StringBuilder withKnobs = new StringBuilder();
        while (knob.find()) {
            Object value = knobs.values().get(knob.group(2));
            knob.appendReplacement(withKnobs, Matcher.quoteReplacement(literal(value, knob.group(1))));
        }
        knob.appendTail(withKnobs);
        return hooks(withKnobs.toString(), variant);
    }

    private static String literal(Object value, String accessor) {
        if (value instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        if (accessor.equals("integer")) {
            return value + "L";
        }
        return String.valueOf(value);
    }

    private static String hooks(String code, String variant) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        Matcher call = RUN_CALL.matcher(code);
        while (call.find(at)) {
            int open = call.end() - 1;
            int close = matching(code, open);
            String argument = code.substring(open + 1, close).strip();
            out.append(code, at, call.start());
            out.append(
                    switch (call.group(1)) {
                        case "spark" -> "spark";
                        case "variant" -> "\"" + variant + "\"";
                        case "execute" -> argument + ".write().format(\"noop\").mode(\"overwrite\").save()";
                        case "collect" -> argument + ".collectAsList()";
                        case "capture" -> "/* the lab records " + argument + "'s plans here */";
                        case "start" -> argument + ".start()";
                        case "checkpoint" -> TMP + ", \"checkpoints\", " + argument + ")";
                        case "workDir" -> TMP + ")";
                        case "measure" -> "System.out.println(" + measured(argument) + ")";
                        case "stopping" -> "false";
                        default -> code.substring(call.start(), close + 1);
                    });
            at = close + 1;
        }
        return out.append(code.substring(at)).toString();
    }

    private static String measured(String arguments) {
        int comma = arguments.indexOf(',');
        return comma < 0
                ? arguments
                : arguments.substring(0, comma) + " + \" = \" + ("
                        + arguments.substring(comma + 1).strip() + ")";
    }

    private static int matching(String code, int open) {
        int depth = 0;
        boolean quoted = false;
        for (int i = open; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c == '"' && code.charAt(i - 1) != '\\') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalStateException("unbalanced call in lesson code at " + open);
    }

    static String fileName(ExperimentDefinition d, Variant variant, Language language) {
        return d.id() + "-" + variant.name() + "." + language.name().toLowerCase(Locale.ROOT);
    }

    /** One line per setting, in the order applied: {@code format} takes the key, then the value. */
    private static String settings(Map<String, String> conf, String format) {
        StringBuilder out = new StringBuilder();
        conf.forEach((key, value) -> out.append(format.formatted(key, value)));
        return out.toString();
    }
}
