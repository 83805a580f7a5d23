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
 * Every lesson's story is a text file, {@code src/main/resources/catalog/stories/<id>.txt}, and every
 * file there is a lesson's story. Plain JUnit, no Spark.
 */
class StoryTests {

    private static final Path FOLDER = Path.of("src/main/resources", Stories.FOLDER);

    /**
     * Lessons whose story is still inline ({@code .story(...)}) until it is moved to its file: another
     * change edits these two files. Move the story, then delete the id here.
     */
    private static final Set<String> INLINE_UNTIL_MOVED = Set.of();

    @Test
    void every_experiment_has_its_story_file_and_every_story_file_an_experiment() throws Exception {
        Set<String> ids = new TreeSet<>();
        List<String> withoutFile = new ArrayList<>();
        for (Experiment experiment : ReadmeCatalogTests.experiments()) {
            ExperimentDefinition d = experiment.definition();
            ids.add(d.id());
            assertThat(d.story()).as("%s story", d.id()).hasSizeGreaterThan(200).doesNotContain("${");
            if (Stories.file(d.id()).isEmpty() && !INLINE_UNTIL_MOVED.contains(d.id())) {
                withoutFile.add(d.id());
            }
        }
        assertThat(withoutFile)
                .as("experiments whose story is not in %s<id>.txt", FOLDER)
                .isEmpty();

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
        assertThat(orphans)
                .as("files in %s that are no experiment's story", FOLDER)
                .isEmpty();
    }

    @Test
    void a_paragraph_is_its_lines_joined_and_a_blank_line_separates_paragraphs() {
        assertThat(Stories.paragraphs("\nOne line\n  and the next.\n\t\nSecond paragraph.\r\n\r\nThird.\n"))
                .isEqualTo("One line and the next.\n\nSecond paragraph.\n\nThird.");
    }

    @Test
    void a_story_value_is_written_in_and_a_missing_one_is_named() {
        assertThat(Stories.fill("x", "guard ${mb} MB", Map.of("mb", 64))).isEqualTo("guard 64 MB");
        assertThatThrownBy(() -> Stories.fill("x", "guard ${mb} MB", Map.of()))
                .hasMessageContaining("experiment x")
                .hasMessageContaining("${mb}");
    }

    @Test
    void a_lesson_without_a_story_file_fails_at_build_naming_the_file() {
        assertThatThrownBy(() -> ExperimentDefinition.define("no-such-lesson", TinyPartitionsExperiment.class)
                        .title("t")
                        .summary("s")
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("src/main/resources/catalog/stories/no-such-lesson.txt");
    }

    @Test
    void a_lesson_with_a_story_file_and_an_inline_story_fails_at_build() {
        assertThatThrownBy(() -> ExperimentDefinition.define("tiny-partitions", TinyPartitionsExperiment.class)
                        .title("t")
                        .summary("s")
                        .story("inline")
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("delete the inline one");
    }
}
