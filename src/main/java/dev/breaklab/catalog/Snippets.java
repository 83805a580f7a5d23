package dev.breaklab.catalog;

import java.util.ArrayList;
import java.util.List;
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
 * {@code run.execute(q)} is a {@code noop} write, {@code run.collect(q)} a collect. A shared table
 * the lesson calls ({@code LessonTables.name(...)}) is declared first, as a top-level method, and
 * called as {@code name(...)}.
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
    /** The lab's hooks ({@code run.*}) and helpers a lesson block may call, each mapped in {@link #hooks}. */
    private static final Pattern RUN_CALL = Pattern.compile("\\b(run|Streams|ExecutorKiller)\\.(\\w+)\\(");

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
        return inOneBlock(hooks(tablesFirst(withKnobs.toString()), variant));
    }

    /** A top-level class, record or method of the lesson: it starts at the margin and ends at a "}" there. */
    private static final Pattern DECLARATION = Pattern.compile(
            "((static|final|private|public) )*((class|record|interface|enum) \\w+.*|[A-Z][\\w<>, \\[\\]]* \\w+\\(.*)");

    /**
     * The lesson's classes and shared tables declared first, then its statements in one block: jshell
     * ends a statement at the end of any line where it could end (so {@code Dataset<Row> q = spark}
     * would run before the {@code .range(...)} on the next line); inside braces it reads on to the
     * closing one. A notebook's Java kernel is jshell too.
     */
    static String inOneBlock(String code) {
        StringBuilder declarations = new StringBuilder();
        StringBuilder statements = new StringBuilder();
        List<String> comments = new ArrayList<>();
        boolean inDeclaration = false;
        boolean inComment = false;
        for (String line : code.split("\n", -1)) {
            if (inComment || line.startsWith("/*")) {
                comments.add(line);
                inComment = !line.contains("*/");
            } else if (inDeclaration) {
                declarations.append(line).append(line.equals("}") ? "\n\n" : "\n");
                inDeclaration = !line.equals("}");
            } else if (DECLARATION.matcher(line).matches() && line.endsWith("{")) {
                // the comments right above a declaration belong to it
                comments.forEach(c -> declarations.append(c).append('\n'));
                comments.clear();
                declarations.append(line).append('\n');
                inDeclaration = true;
            } else if (line.startsWith("//")) {
                comments.add(line);
            } else {
                comments.forEach(c -> statements.append("    ").append(c).append('\n'));
                comments.clear();
                if (!line.isBlank() || statements.length() > 0) {
                    statements.append(line.isBlank() ? "" : "    " + line).append('\n');
                }
            }
        }
        comments.forEach(c -> statements.append("    ").append(c).append('\n'));
        String body = statements.toString().stripTrailing();
        String declared = declarations.toString().strip();
        return (declared.isEmpty() ? "" : declared + "\n\n") + "{ // one block: jshell reads it whole\n" + body
                + "\n}\n";
    }

    /**
     * The shared tables the page shows after the lesson, moved before it: jshell runs a statement as
     * it comes, so a method must be declared before the first call. Declared at the top level, it is
     * called by its name alone.
     */
    private static String tablesFirst(String lesson) {
        int shared = lesson.indexOf("\n\n" + LessonSource.SHARED);
        String code = shared < 0 ? lesson : lesson.substring(shared + 2) + "\n\n" + lesson.substring(0, shared);
        return LessonSource.TABLE_CALL.matcher(code).replaceAll("$1(");
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
            // hooks nest, e.g. Streams.longs(run.spark()): the arguments are mapped first
            String argument = hooks(code.substring(open + 1, close).strip(), variant);
            out.append(code, at, call.start());
            out.append(
                    switch (call.group(1) + "." + call.group(2)) {
                        case "run.spark" -> "spark";
                        case "run.variant" -> "\"" + variant + "\"";
                        case "run.execute" -> argument + ".write().format(\"noop\").mode(\"overwrite\").save()";
                        case "run.collect" -> argument + ".collectAsList()";
                        case "run.capture" -> "/* the lab records " + argument + "'s plans here */";
                        case "run.start" -> argument + ".start()";
                        case "run.checkpoint" -> TMP + ", \"checkpoints\", " + argument + ")";
                        case "run.workDir" -> TMP + ")";
                        case "run.measure" -> "System.out.println(" + measured(argument) + ")";
                        case "run.stopping" -> "false";
                        // the lab's in-memory source of longs, fed batch by batch (Spark's own tests use it)
                        case "Streams.longs" ->
                            "MemoryStream.apply(" + argument + ", org.apache.spark.sql.Encoders.LONG())";
                        case "Streams.range" -> "java.util.stream.LongStream.range(" + argument + ").boxed().toList()";
                        case "Streams.add" -> {
                            int comma = topLevelComma(argument);
                            yield argument.substring(0, comma)
                                    + ".addData(scala.jdk.javaapi.CollectionConverters.asScala("
                                    + argument.substring(comma + 1).strip() + ").toList())";
                        }
                        case "Streams.processAll" ->
                            argument.substring(topLevelComma(argument) + 1).strip() + ".processAllAvailable()";
                        case "ExecutorKiller.onFirstTask" -> killer(argument);
                        default -> code.substring(call.start(), close + 1);
                    });
            at = close + 1;
        }
        // the type of the lab's killer: the snippet's own (killer) is closed the same way
        return out.append(code.substring(at)).toString().replace("ExecutorKiller ", "AutoCloseable ");
    }

    /**
     * The lab's {@link ExecutorKiller} as plain Spark: a listener that, once the {@code stage}-th stage
     * (from 0) of the query has a task running, kills that task's executor with Spark's DeveloperApi
     * {@code SparkContext.killExecutor}; closing it removes the listener.
     */
    private static String killer(String arguments) {
        int comma = topLevelComma(arguments);
        String sc = arguments.substring(0, comma).strip();
        String stage = arguments.substring(comma + 1).strip();
        return """
                ((java.util.function.Function<org.apache.spark.SparkContext, AutoCloseable>) sc -> {
                    // kill the executor of the first task of stage %2$s (0: the first stage submitted)
                    org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
                        int submitted;
                        int target = -1;
                        boolean fired;

                        @Override
                        public synchronized void onStageSubmitted(
                                org.apache.spark.scheduler.SparkListenerStageSubmitted stage) {
                            if (submitted++ == %2$s) {
                                target = stage.stageInfo().stageId();
                            }
                        }

                        @Override
                        public synchronized void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart task) {
                            if (!fired && task.stageId() == target) {
                                fired = true;
                                String executor = task.taskInfo().executorId();
                                new Thread(() -> sc.killExecutor(executor)).start(); // not on the listener thread
                            }
                        }
                    };
                    sc.addSparkListener(listener);
                    return () -> sc.removeSparkListener(listener);
                }).apply(%1$s)""".formatted(sc, stage);
    }

    /** The index of the first comma between two arguments (not inside a nested call or a string). */
    private static int topLevelComma(String arguments) {
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < arguments.length(); i++) {
            char c = arguments.charAt(i);
            if (c == '"' && (i == 0 || arguments.charAt(i - 1) != '\\')) {
                quoted = !quoted;
            } else if (!quoted && (c == '(' || c == '[')) {
                depth++;
            } else if (!quoted && (c == ')' || c == ']')) {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                return i;
            }
        }
        throw new IllegalStateException("expected two arguments: " + arguments);
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
