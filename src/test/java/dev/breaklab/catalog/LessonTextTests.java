package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every lesson's words are a text file, {@code src/main/resources/catalog/lessons/<id>.txt}, every file
 * there is a lesson's, and the file and the experiment agree on what has words. Plain JUnit, no Spark.
 */
class LessonTextTests {

    private static final Path FOLDER = Path.of("src/main/resources", LessonText.FOLDER);

    @Test
    void every_experiment_has_its_text_file_and_every_text_file_an_experiment() throws Exception {
        Set<String> ids = new TreeSet<>();
        List<String> withoutFile = new ArrayList<>();
        for (Experiment experiment : ReadmeCatalogTests.experiments()) {
            ExperimentDefinition d = experiment.definition();
            ids.add(d.id());
            assertThat(d.story()).as("%s story", d.id()).hasSizeGreaterThan(200).doesNotContain("${");
            assertThat(d.title()).as("%s title", d.id()).isNotBlank().doesNotContain("${");
            assertThat(d.summary()).as("%s summary", d.id()).isNotBlank().doesNotContain("${");
            for (Variant v : d.variants()) {
                assertThat(v.title()).as("%s variant %s", d.id(), v.name()).isNotBlank();
                assertThat(v.description())
                        .as("%s variant %s", d.id(), v.name())
                        .isNotBlank();
            }
            for (Question q : d.questions()) {
                assertThat(q.text())
                        .as("%s question %s", d.id(), q.id())
                        .isNotBlank()
                        .doesNotContain("${");
            }
            for (Knob k : d.knobs()) {
                assertThat(k.label()).as("%s knob %s", d.id(), k.name()).isNotBlank();
                assertThat(k.description()).as("%s knob %s", d.id(), k.name()).isNotBlank();
            }
            for (Evidence e : d.evidence()) {
                assertThat(e.claim())
                        .as("%s claim %s", d.id(), e.id())
                        .isNotBlank()
                        .doesNotContain("${");
            }
            if (LessonText.of(d.id()).isEmpty()) {
                withoutFile.add(d.id());
            }
        }
        assertThat(withoutFile).as("experiments without %s<id>.txt", FOLDER).isEmpty();

        Set<String> files = new TreeSet<>();
        try (Stream<Path> list = Files.list(FOLDER)) {
            list.forEach(p -> files.add(p.getFileName().toString()));
        }
        Set<String> orphans = new TreeSet<>();
        for (String file : files) {
            if (!file.endsWith(".txt") || !ids.contains(file.substring(0, file.length() - ".txt".length()))) {
                orphans.add(file);
            }
        }
        assertThat(orphans).as("files in %s that are no experiment's", FOLDER).isEmpty();
    }

    @Test
    void entries_continue_on_indented_lines_and_the_story_follows_its_line() {
        LessonText text = LessonText.parse("f.txt", """
                title: A title
                summary: One line
                    and the next.

                variant broken: Broken title
                    what it does,
                    on two lines
                claim c-1: A claim

                story:
                One line
                  and the next.
                \t
                Second paragraph.\r
                \r
                Third.
                """);
        assertThat(text.entries().get("summary").text()).isEqualTo("One line and the next.");
        assertThat(text.entries().get("variant broken").first()).isEqualTo("Broken title");
        assertThat(text.entries().get("variant broken").more()).isEqualTo("what it does, on two lines");
        assertThat(text.entries().get("claim c-1").text()).isEqualTo("A claim");
        assertThat(text.story()).isEqualTo("One line and the next.\n\nSecond paragraph.\n\nThird.");
    }

    @Test
    void a_line_that_is_no_entry_a_key_given_twice_or_no_story_line_is_named() {
        assertThatThrownBy(() -> LessonText.parse("f.txt", "title: t\nheadline: h\nstory:\ns"))
                .hasMessageContaining("f.txt line 2 is not an entry");
        assertThatThrownBy(() -> LessonText.parse("f.txt", "title: t\ntitle: u\nstory:\ns"))
                .hasMessageContaining("f.txt line 2 gives 'title' a second time");
        assertThatThrownBy(() -> LessonText.parse("f.txt", "title: t\n"))
                .hasMessageContaining("f.txt has no line 'story:'");
    }

    @Test
    void a_value_is_written_in_and_a_missing_one_is_named() {
        assertThat(LessonText.fill("f.txt", "guard ${mb} MB", Map.of("mb", 64))).isEqualTo("guard 64 MB");
        assertThatThrownBy(() -> LessonText.fill("f.txt", "guard ${mb} MB", Map.of()))
                .hasMessageContaining("f.txt")
                .hasMessageContaining("${mb}");
    }

    @Test
    void a_lesson_without_a_text_file_fails_at_build_naming_the_file() {
        assertThatThrownBy(() -> ExperimentDefinition.define("no-such-lesson", TinyPartitionsExperiment.class)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("src/main/resources/catalog/lessons/no-such-lesson.txt");
    }

    @Test
    void a_variant_or_claim_without_words_and_words_for_nothing_fail_at_build_naming_the_file() {
        // tiny-partitions' file has words for its variants broken, fixed, ...: a variant it does not know fails
        assertThatThrownBy(() -> ExperimentDefinition.define("tiny-partitions", TinyPartitionsExperiment.class)
                        .concepts(Concept.PARTITIONS)
                        .sql("SELECT 1")
                        .variant(Variant.of("broken"))
                        .variant(Variant.of("fixed"))
                        .variant(Variant.of("unwritten"))
                        .question(Questions.stagesRun())
                        .evidence(Evidence.succeeds("one-task-per-partition", Set.of("broken"))
                                .asCentral())
                        .primaryFinding("tiny-tasks")
                        .build())
                .hasMessageContaining("catalog/lessons/tiny-partitions.txt needs 'variant unwritten: ...'");
        assertThatThrownBy(() -> ExperimentDefinition.define("tiny-partitions", TinyPartitionsExperiment.class)
                        .concepts(Concept.PARTITIONS)
                        .sql("SELECT 1")
                        .variant(Variant.of("broken"))
                        .variant(Variant.of("fixed"))
                        .question(Questions.stagesRun())
                        .evidence(Evidence.succeeds("thousands-of-tasks", Set.of("broken"))
                                .asCentral())
                        .primaryFinding("tiny-tasks")
                        .build())
                .hasMessageContaining(
                        "catalog/lessons/tiny-partitions.txt has words for what the experiment does not define:");
    }
}
