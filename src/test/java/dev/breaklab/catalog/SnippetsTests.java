package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.catalog.Snippets.Language;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;

/**
 * "Copy as a runnable snippet" must give code a learner can paste into jshell: every variant's Java
 * snippet of every lesson is compiled here by the JDK's compiler against Spark's jars alone (no lab
 * class), and fed to a real jshell line by line as a paste is, which must take every piece it reads.
 */
class SnippetsTests {

    /** A method declared at the top level: a type, a name, its parameters, its body's brace. */
    private static final String METHOD = "(static )?[A-Z][\\w<>, \\[\\]]* \\w+\\([^=]*\\) \\{";

    @Test
    void every_java_snippet_compiles_against_spark_alone() throws Exception {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<String> failures = new ArrayList<>();
        int compiled = 0;
        for (Experiment experiment : new Catalog(ReadmeCatalogTests.experiments()).all()) {
            ExperimentDefinition d = experiment.definition();
            for (Variant variant : d.variants()) {
                String snippet = Snippets.of(d, variant, d.knobValues(variant, Map.of()), Language.JAVA)
                        .orElseThrow();
                String error = compile(compiler, d.id() + "/" + variant.name(), snippet);
                if (error != null) {
                    failures.add(error);
                }
                compiled++;
            }
        }
        assertThat(failures).as("snippets that do not compile").isEmpty();
        assertThat(compiled).isGreaterThan(60);
    }

    /**
     * jshell evaluates a paste piece by piece: after each line, whatever already reads as a complete
     * snippet runs. Every piece must compile (against Spark's jars alone); {@code spark} is null here,
     * so a statement that calls it only throws, which is not what this checks.
     */
    @Test
    void every_java_snippet_pasted_into_jshell_compiles_piece_by_piece() throws Exception {
        List<String> failures = new ArrayList<>();
        int pasted = 0;
        // jshell's own engine: the snippets run in a JVM of their own, as a learner's would
        try (JShell shell = JShell.create()) {
            for (String entry : sparkOnlyClasspath().split(java.io.File.pathSeparator)) {
                shell.addToClasspath(entry);
            }
            paste(shell, "import org.apache.spark.sql.SparkSession;\nSparkSession spark = null;\n", "setup", failures);
            for (Experiment experiment : new Catalog(ReadmeCatalogTests.experiments()).all()) {
                ExperimentDefinition d = experiment.definition();
                Variant variant = d.variants().get(0);
                String snippet = Snippets.of(d, variant, d.knobValues(variant, Map.of()), Language.JAVA)
                        .orElseThrow();
                paste(shell, snippet, d.id() + "/" + variant.name(), failures);
                pasted++;
            }
        }
        assertThat(failures).as("snippet pieces jshell rejects").isEmpty();
        assertThat(pasted).isGreaterThan(40);
    }

    /** Feeds {@code snippet} line by line as jshell's console does with a paste. */
    private static void paste(JShell shell, String snippet, String name, List<String> failures) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String buffer = "";
        for (String line : snippet.split("\n")) {
            buffer += line + "\n";
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(buffer);
            while (info.completeness().isComplete()) {
                for (SnippetEvent event : shell.eval(info.source())) {
                    if (event.status() == Snippet.Status.REJECTED) {
                        failures.add(name + ": " + info.source().strip() + " -> "
                                + shell.diagnostics(event.snippet())
                                        .map(diagnostic -> diagnostic.getMessage(null))
                                        .toList());
                    }
                }
                buffer = info.remaining();
                info = analysis.analyzeCompletion(buffer);
            }
        }
        if (!buffer.isBlank()) {
            failures.add(name + ": jshell is still waiting for the end of: " + buffer.strip());
        }
    }

    @Test
    void a_lesson_shows_each_shared_table_it_calls_once_after_its_code() {
        String lesson = String.join(
                "\n",
                "Dataset<Row> a = LessonTables.dimensions(run.spark(), 10);",
                "Dataset<Row> b = LessonTables.dimensions(run.spark(), 20);");
        String tables = String.join(
                "\n",
                "final class LessonTables {",
                "    // lesson:start dimensions",
                "    static Dataset<Row> dimensions(SparkSession spark, long keys) {",
                "        return spark.range(keys);",
                "    }",
                "    // lesson:end",
                "}");

        assertThat(LessonSource.withTables(lesson, tables))
                .isEqualTo(String.join(
                        "\n",
                        lesson,
                        "",
                        LessonSource.SHARED + "dimensions, from catalog/LessonTables:",
                        "static Dataset<Row> dimensions(SparkSession spark, long keys) {",
                        "    return spark.range(keys);",
                        "}"));
    }

    @Test
    void a_lesson_calling_a_shared_table_shows_its_source_and_its_snippet_declares_it_first() {
        ExperimentDefinition d = new SkewedJoinExperiment().definition();
        String page = d.code().java();
        Variant broken = d.variants().get(0);
        String snippet = Snippets.of(d, broken, d.knobValues(broken, Map.of()), Language.JAVA)
                .orElseThrow();

        assertThat(page)
                .contains("LessonTables.skewedFacts(", "LessonTables.dimensions(")
                .contains(LessonSource.SHARED + "skewedFacts", LessonSource.SHARED + "dimensions")
                .containsOnlyOnce("static Dataset<Row> skewedFacts(SparkSession spark, long rows,")
                .containsOnlyOnce("static Dataset<Row> dimensions(SparkSession spark, long keys) {");
        assertThat(page.indexOf(LessonSource.SHARED)).isGreaterThan(page.indexOf("run.collect("));
        assertThat(snippet)
                .contains("import org.apache.spark.sql.SparkSession;")
                .doesNotContain("LessonTables.")
                .contains("\nstatic Dataset<Row> skewedFacts(SparkSession spark, long rows,")
                .contains(LessonSource.SHARED + "skewedFacts")
                .containsPattern("= skewedFacts\\(\\s*spark, 2000000L, 80L, 10000L, 16\\)");
        assertThat(snippet.indexOf("static Dataset<Row> skewedFacts(")).isLessThan(snippet.indexOf("= skewedFacts("));
        assertThat(new TinyPartitionsExperiment().definition().code().java()).doesNotContain(LessonSource.SHARED);
    }

    @Test
    void a_snippet_starts_with_the_imports_its_code_needs_and_no_lab_class() {
        String imports = LessonSource.imports("""
                package dev.breaklab.catalog;

                import static org.apache.spark.sql.functions.*;

                import dev.breaklab.run.RunQueries;
                import java.util.List;
                import org.apache.spark.sql.Dataset;
                import org.springframework.stereotype.Component;
                """);
        assertThat(imports)
                .isEqualTo(String.join(
                        "\n",
                        "import static org.apache.spark.sql.functions.*;",
                        "import java.util.List;",
                        "import org.apache.spark.sql.Dataset;"));
    }

    /**
     * The snippet as jshell sees it: imports first, classes and methods declared at the top level go
     * next to the method, the rest is the body of a method with {@code spark}.
     */
    private static String compile(JavaCompiler compiler, String name, String snippet) {
        List<String> imports = new ArrayList<>();
        StringBuilder classes = new StringBuilder();
        StringBuilder body = new StringBuilder();
        boolean inClass = false;
        for (String line : snippet.split("\n")) {
            // jshell takes an import anywhere; Java only at the top of the file.
            if (line.startsWith("import ")) {
                imports.add(line);
            } else if (inClass || line.matches("(static )?(final )?class \\w+.*") || line.matches(METHOD)) {
                // a class or a shared table's method: jshell declares it at the top level, Java next to run()
                classes.append(line).append('\n');
                inClass = !line.equals("}");
            } else {
                body.append(line).append('\n');
            }
        }
        String source = String.join("\n", imports) + "\nclass Snippet {\n" + classes
                + "  void run(org.apache.spark.sql.SparkSession spark) throws Exception {\n" + body + "\n  }\n}\n";
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file =
                new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
        JavaFileManager files =
                new ForwardingJavaFileManager<>(
                        compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
                    @Override
                    public JavaFileObject getJavaFileForOutput(
                            Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                        return new SimpleJavaFileObject(URI.create("mem:///" + className + ".class"), kind) {
                            @Override
                            public OutputStream openOutputStream() {
                                return new ByteArrayOutputStream();
                            }
                        };
                    }
                };
        boolean ok = compiler.getTask(
                        null,
                        files,
                        diagnostics,
                        List.of("-classpath", sparkOnlyClasspath(), "-proc:none", "-Xlint:none"),
                        null,
                        List.of(file))
                .call();
        if (ok) {
            return null;
        }
        StringBuilder error = new StringBuilder(name + ":");
        diagnostics.getDiagnostics().stream()
                .filter(diagnostic -> diagnostic.getKind() == javax.tools.Diagnostic.Kind.ERROR)
                .forEach(diagnostic -> error.append("\n  line ")
                        .append(diagnostic.getLineNumber())
                        .append(": ")
                        .append(diagnostic.getMessage(null)));
        return error + "\n" + source;
    }

    /** The test classpath without the lab's own classes: a snippet may not lean on them. */
    private static String sparkOnlyClasspath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.endsWith("classes") && !entry.endsWith("test-classes"))
                .reduce((a, b) -> a + java.io.File.pathSeparator + b)
                .orElseThrow();
    }
}
