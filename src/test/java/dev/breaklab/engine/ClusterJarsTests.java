package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The lab's own classpath laid out as a SPARK_HOME, without Spark running. */
class ClusterJarsTests {

    // Not a @TempDir: JUnit warns about every link to a jar outside it when it cleans up.
    private final Path dir = Path.of("target", "cluster-jars-test");

    @Test
    void the_dependency_jars_are_linked_under_jars_and_the_lab_classes_packed_into_one_jar() throws Exception {
        org.springframework.util.FileSystemUtils.deleteRecursively(dir);
        ClusterJars jars = ClusterJars.layOut(dir.resolve("spark-home"));

        try (Stream<Path> linked = Files.list(dir.resolve("spark-home/jars"))) {
            assertThat(linked.map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("spark-core_2.13-"))
                    .anyMatch(name -> name.startsWith("spark-launcher_2.13-"))
                    .noneMatch(name -> name.contains("break-lab"));
        }
        assertThat(jars.appJar()).isPresent();
        try (JarFile app = new JarFile(jars.appJar().get().toFile())) {
            assertThat(app.getEntry("dev/breaklab/engine/ChildOfLab.class")).isNotNull();
            assertThat(app.getEntry("dev/breaklab/catalog/ExecutorLostExperiment.class"))
                    .isNotNull();
        }
        assertThat(jars.daemonClasspath()).endsWith("break-lab-classes.jar").contains("jars/*");

        // Laid out again on the next start: the same result, no leftovers in the way.
        assertThat(ClusterJars.layOut(dir.resolve("spark-home")).appJar()).isPresent();
    }
}
