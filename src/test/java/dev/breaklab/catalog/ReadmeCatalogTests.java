package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.breaklab.system.LabProperties;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The README's catalog table says what the catalog has: one row per experiment id, no row for an id
 * the catalog does not have, and each row's concepts exactly the experiment's concept tags, in order.
 * Plain JUnit: the experiments are found on the classpath and built without Spring or Spark (an
 * experiment's definition is a static value; nothing starts until {@code run}).
 */
class ReadmeCatalogTests {

    private static final String PACKAGE = "dev/breaklab/catalog";
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z0-9-]+)`\\s*\\|([^|]*)\\|");

    @Test
    void the_readme_catalog_table_matches_the_catalog() throws Exception {
        Map<String, List<String>> catalog = new LinkedHashMap<>();
        for (Experiment experiment : new Catalog(experiments()).all()) {
            ExperimentDefinition d = experiment.definition();
            catalog.put(d.id(), d.concepts().stream().map(Concept::tag).toList());
        }
        assertThat(catalog).as("experiments found on the classpath").hasSizeGreaterThan(20);

        Map<String, List<List<String>>> rows = new LinkedHashMap<>();
        List<String> unreadable = new ArrayList<>();
        for (String line : catalogSection()) {
            Matcher row = ROW.matcher(line);
            if (!row.find()) {
                if (line.startsWith("|") && !line.startsWith("| id |") && !line.startsWith("|---")) {
                    unreadable.add(line);
                }
            } else {
                List<String> concepts = Arrays.stream(row.group(2).split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList();
                rows.computeIfAbsent(row.group(1), id -> new ArrayList<>()).add(concepts);
            }
        }

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(unreadable)
                .as("README catalog rows without a `kebab-case-id` in the first column")
                .isEmpty();
        softly.assertThat(without(rows.keySet(), catalog.keySet()))
                .as("README catalog rows that name no experiment")
                .isEmpty();
        softly.assertThat(without(catalog.keySet(), rows.keySet()))
                .as("experiments without a README catalog row")
                .isEmpty();
        rows.forEach((id, found) -> {
            softly.assertThat(found).as("README rows for %s", id).hasSize(1);
            if (catalog.containsKey(id)) {
                softly.assertThat(found.get(0))
                        .as("README concepts of %s (the experiment's concept tags, in order)", id)
                        .containsExactlyElementsOf(catalog.get(id));
            }
        });
        softly.assertAll();
    }

    private static Set<String> without(Set<String> all, Set<String> known) {
        Set<String> out = new TreeSet<>(all);
        out.removeAll(known);
        return out;
    }

    /** The lines between the README's catalog section markers. */
    private static List<String> catalogSection() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int start = lines.indexOf("<!-- section:catalog -->");
        int end = lines.indexOf("<!-- /section:catalog -->");
        assertThat(start).as("README has <!-- section:catalog -->").isNotNegative();
        assertThat(end)
                .as("README has <!-- /section:catalog --> after the start")
                .isGreaterThan(start);
        return lines.subList(start + 1, end);
    }

    /** Every concrete {@link Experiment} in the catalog package, made as Spring would, without Spark. */
    static List<Experiment> experiments() throws Exception {
        List<Experiment> out = new ArrayList<>();
        for (String name : classNames()) {
            Class<?> type = Class.forName(name.replace('/', '.'), false, ReadmeCatalogTests.class.getClassLoader());
            if (Experiment.class.isAssignableFrom(type)
                    && !type.isInterface()
                    && !Modifier.isAbstract(type.getModifiers())) {
                var constructor = type.getDeclaredConstructors()[0];
                constructor.setAccessible(true);
                // An experiment sized by the engine's settings takes LabProperties: the defaults do.
                Object[] args = constructor.getParameterCount() == 0
                        ? new Object[0]
                        : new Object[] {
                            new Binder(new MapConfigurationPropertySource()).bindOrCreate("lab", LabProperties.class)
                        };
                out.add((Experiment) constructor.newInstance(args));
            }
        }
        return out;
    }

    /** Top-level classes of the catalog package in the compiled main classes (a directory under Maven). */
    private static List<String> classNames() throws IOException, URISyntaxException {
        List<String> names = new ArrayList<>();
        for (URL url : java.util.Collections.list(
                ReadmeCatalogTests.class.getClassLoader().getResources(PACKAGE))) {
            if (!url.getProtocol().equals("file")) {
                fail("the catalog package is not a directory on the class path: " + url);
            }
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                names.addAll(files.map(p -> p.getFileName().toString())
                        .filter(f -> f.endsWith(".class") && !f.contains("$"))
                        .map(f -> PACKAGE + "/" + f.substring(0, f.length() - ".class".length()))
                        .collect(Collectors.toList()));
            }
        }
        return names;
    }
}
