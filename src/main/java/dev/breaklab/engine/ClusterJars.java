package dev.breaklab.engine;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The lab's own jars, laid out as a Spark installation: {@code home/jars/} holds (links to) every
 * dependency jar, so a standalone Master, Worker and the executors a Worker launches run from
 * {@code SPARK_HOME/jars/*} with no Spark distribution. The lab's own classes, wherever they come
 * from (Maven's {@code target/classes}, a Spring Boot jar's {@code BOOT-INF/classes}), are packed
 * into one plain jar beside it: the driver ships it to executors with {@code spark.jars}, because a
 * lesson's Java lambdas deserialize only where their class is.
 *
 * @param home the stand-in {@code SPARK_HOME}
 * @param appJar the lab's classes as a plain jar (empty when they already are a jar in {@code jars/})
 */
record ClusterJars(Path home, Optional<Path> appJar) {

    private static final String BOOT_LIB = "BOOT-INF/lib/";
    private static final String BOOT_CLASSES = "BOOT-INF/classes/";

    /** The classpath {@code SPARK_HOME/jars/*} plus the lab's classes: what the lab's child JVMs run on. */
    String daemonClasspath() {
        String jars = home.resolve("jars").toAbsolutePath() + File.separator + "*";
        return appJar.map(jar -> jars + File.pathSeparator + jar.toAbsolutePath())
                .orElse(jars);
    }

    /** Lays out {@code home} from the running JVM's classpath (rebuilt on every start). */
    static ClusterJars layOut(Path home) {
        try {
            Path jars = home.resolve("jars");
            deleteTree(home);
            Files.createDirectories(jars);
            Set<String> names = new LinkedHashSet<>();
            for (Path entry : classpath()) {
                if (isBootJar(entry)) {
                    extractBootLibraries(entry, jars, names);
                } else if (Files.isRegularFile(entry)
                        && entry.getFileName().toString().endsWith(".jar")
                        && names.add(entry.getFileName().toString())) {
                    link(jars.resolve(entry.getFileName()), entry);
                }
            }
            return new ClusterJars(home, appClasses(home.resolve("app")));
        } catch (IOException e) {
            throw new UncheckedIOException("could not lay out the lab's jars for Spark under " + home, e);
        }
    }

    /**
     * The lab's classes (the classpath's directories, a Spring Boot jar's {@code BOOT-INF/classes})
     * packed into {@code directory/break-lab-classes.jar}; empty when there are none.
     */
    static Optional<Path> appClasses(Path directory) {
        try {
            List<Path> directories = new ArrayList<>();
            Path bootJar = null;
            for (Path entry : classpath()) {
                if (Files.isDirectory(entry)) {
                    directories.add(entry);
                } else if (isBootJar(entry)) {
                    bootJar = entry;
                }
            }
            if (directories.isEmpty() && bootJar == null) {
                return Optional.empty();
            }
            Path app = Files.createDirectories(directory).resolve("break-lab-classes.jar");
            packClasses(app, directories, bootJar);
            // The same classes give a jar of the same size and time: the children's class-data
            // archives (LocalCluster) stay valid across restarts of an unchanged lab.
            Files.setLastModifiedTime(app, newest(directories, bootJar));
            return Optional.of(app);
        } catch (IOException e) {
            throw new UncheckedIOException("could not pack the lab's classes under " + directory, e);
        }
    }

    /**
     * The entries of {@code java.class.path}, with the {@code Class-Path} of a manifest-only jar
     * (Surefire's booter) expanded.
     */
    static List<Path> classpath() {
        Set<Path> entries = new LinkedHashSet<>();
        for (String element : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (element.isBlank()) {
                continue;
            }
            Path path = Path.of(element).toAbsolutePath();
            if (Files.isDirectory(path.resolve(BOOT_CLASSES))) {
                // An exploded Spring Boot jar (the Docker image's layers): its classes and libraries.
                entries.add(path.resolve(BOOT_CLASSES));
                try (Stream<Path> libs = Files.list(path.resolve(BOOT_LIB))) {
                    libs.filter(lib -> lib.toString().endsWith(".jar")).sorted().forEach(entries::add);
                } catch (IOException e) {
                    // no libraries
                }
                continue;
            }
            entries.add(path);
            entries.addAll(manifestClasspath(path));
        }
        return entries.stream().filter(Files::exists).toList();
    }

    private static List<Path> manifestClasspath(Path jar) {
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            return List.of();
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String classPath =
                    manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null) {
                return List.of();
            }
            List<Path> paths = new ArrayList<>();
            for (String url : classPath.trim().split("\\s+")) {
                paths.add(Path.of(jar.getParent().toUri().resolve(url)));
            }
            return paths;
        } catch (IOException | IllegalArgumentException e) {
            return List.of();
        }
    }

    private static boolean isBootJar(Path entry) throws IOException {
        if (!Files.isRegularFile(entry) || !entry.toString().endsWith(".jar")) {
            return false;
        }
        try (JarFile jar = new JarFile(entry.toFile())) {
            return jar.getEntry(BOOT_LIB) != null || jar.getEntry(BOOT_CLASSES) != null;
        }
    }

    private static void link(Path link, Path target) throws IOException {
        try {
            Files.createSymbolicLink(link, target);
        } catch (FileAlreadyExistsException e) {
            // the same jar twice on the classpath
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(target, link, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A Spring Boot jar nests its libraries: copy them out (they cannot be linked). */
    private static void extractBootLibraries(Path bootJar, Path jars, Set<String> names) throws IOException {
        try (JarFile jar = new JarFile(bootJar.toFile())) {
            for (JarEntry entry : jar.stream().toList()) {
                String name = entry.getName();
                if (name.startsWith(BOOT_LIB) && name.endsWith(".jar")) {
                    String file = name.substring(BOOT_LIB.length());
                    if (names.add(file)) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            Files.copy(in, jars.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                        }
                        Files.setLastModifiedTime(jars.resolve(file), Files.getLastModifiedTime(bootJar));
                    }
                }
            }
        }
    }

    private static FileTime newest(List<Path> directories, Path bootJar) throws IOException {
        FileTime newest = bootJar == null ? FileTime.fromMillis(0) : Files.getLastModifiedTime(bootJar);
        for (Path directory : directories) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path path : files.filter(Files::isRegularFile).toList()) {
                    FileTime time = Files.getLastModifiedTime(path);
                    newest = time.compareTo(newest) > 0 ? time : newest;
                }
            }
        }
        return newest;
    }

    private static void packClasses(Path target, List<Path> directories, Path bootJar) throws IOException {
        Set<String> written = new LinkedHashSet<>();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream file = Files.newOutputStream(target);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            written.add("META-INF/MANIFEST.MF");
            for (Path directory : directories) {
                try (Stream<Path> files = Files.walk(directory)) {
                    for (Path path : files.filter(Files::isRegularFile).toList()) {
                        String name = directory.relativize(path).toString().replace(File.separatorChar, '/');
                        if (written.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            Files.copy(path, out);
                            out.closeEntry();
                        }
                    }
                }
            }
            if (bootJar != null) {
                try (JarFile jar = new JarFile(bootJar.toFile())) {
                    for (JarEntry entry : jar.stream().toList()) {
                        String name = entry.getName();
                        if (name.startsWith(BOOT_CLASSES) && !entry.isDirectory()) {
                            String inner = name.substring(BOOT_CLASSES.length());
                            if (written.add(inner)) {
                                out.putNextEntry(new JarEntry(inner));
                                try (InputStream in = jar.getInputStream(entry)) {
                                    in.transferTo(out);
                                }
                                out.closeEntry();
                            }
                        }
                    }
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
