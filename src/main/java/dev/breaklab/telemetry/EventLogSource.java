package dev.breaklab.telemetry;

import dev.breaklab.run.Figures;
import dev.breaklab.telemetry.EventLogException.Kind;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.history.EventLogFileReader;
import org.apache.spark.deploy.history.EventLogFileWriter;
import org.apache.spark.io.CompressionCodec;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * An uploaded event log laid out on disk the way Spark writes one, so Spark's own {@code
 * EventLogFileReader} lists it: a single file named with its codec ({@code app-1.zstd}, {@code
 * app-1.lz4.inprogress}), or a rolling {@code eventlog_v2_<app>} folder. An upload is a single file
 * (plain or compressed by any of Spark's codecs), a zipped rolling folder, or the zip the History
 * Server's REST API serves ({@code /api/v1/applications/{id}/logs}). Each file is opened with Spark's
 * codec for its extension, as {@code EventLogFileReader.openEventLog} does, through a counter of the
 * compressed bytes (for progress and the bomb check).
 */
public final class EventLogSource {

    static final Set<String> CODECS = Set.of("lz4", "lzf", "snappy", "zstd");
    private static final int MAX_ZIP_ENTRIES = 10_000;
    private static final SparkConf CODEC_CONF = new SparkConf(false);

    /** One file of the log, in replay order. */
    public record LogFile(Path path, String name, String codec, long size) {}

    private final Path root;
    private final List<LogFile> files;
    private final boolean completed;
    private final List<String> warnings;

    private EventLogSource(Path root, List<LogFile> files, boolean completed, List<String> warnings) {
        this.root = root;
        this.files = files;
        this.completed = completed;
        this.warnings = warnings;
    }

    public List<LogFile> files() {
        return files;
    }

    /** False for a log still being written ({@code .inprogress}): its last line may be cut off. */
    public boolean completed() {
        return completed;
    }

    public long compressedBytes() {
        return files.stream().mapToLong(LogFile::size).sum();
    }

    public List<String> warnings() {
        return warnings;
    }

    public Path root() {
        return root;
    }

    /**
     * Lays the upload out under {@code workDir} (moving it, or extracting the one log a zip holds)
     * and lists its files with Spark's reader. Throws when it is no event log Spark could have written.
     */
    public static EventLogSource prepare(Path upload, String uploadName, Path workDir, long maxInflated, int maxRatio)
            throws IOException {
        List<String> warnings = new ArrayList<>();
        Path logDir = Files.createDirectories(workDir.resolve("log"));
        String name = sanitize(uploadName == null || uploadName.isBlank() ? "eventlog" : uploadName);
        String magic = sniff(head(upload));
        Path root;
        if ("zip".equals(magic)) {
            root = unzip(upload, name, logDir, maxInflated, maxRatio, warnings);
            Files.deleteIfExists(upload);
        } else {
            String target = singleName(name, magic, warnings);
            root = Files.move(upload, logDir.resolve(target), StandardCopyOption.REPLACE_EXISTING);
        }
        FileSystem fs = FileSystem.getLocal(new Configuration());
        FileStatus status = fs.getFileStatus(new org.apache.hadoop.fs.Path(root.toUri()));
        Option<EventLogFileReader> reader = EventLogFileReader.apply(fs, status);
        if (reader.isEmpty()) {
            throw new EventLogException(
                    Kind.WRONG_FORMAT, root.getFileName().toString(), null, "Spark's reader finds no event log in it");
        }
        List<LogFile> files = new ArrayList<>();
        try {
            for (FileStatus file : CollectionConverters.asJava(reader.get().listEventLogFiles())) {
                Path path = Path.of(file.getPath().toUri());
                Option<String> codec = EventLogFileWriter.codecName(file.getPath());
                files.add(new LogFile(
                        path, relative(logDir, path), codec.isDefined() ? codec.get() : null, file.getLen()));
            }
        } catch (IllegalArgumentException e) {
            // Spark's own checks on a rolling folder: missing files in the sequence, no event files.
            throw new EventLogException(Kind.WRONG_FORMAT, root.getFileName().toString(), null, e.getMessage(), e);
        }
        return new EventLogSource(root, List.copyOf(files), reader.get().completed(), warnings);
    }

    /** Opens one file decompressed with Spark's codec for its name; {@code compressed} counts raw bytes. */
    public static InputStream open(LogFile file, long[] compressed) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file.path()), 256 * 1024);
        InputStream counted = new FilterInputStream(raw) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    compressed[0]++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    compressed[0] += n;
                }
                return n;
            }
        };
        if (file.codec() == null) {
            return counted;
        }
        try {
            return CompressionCodec.createCodec(CODEC_CONF, file.codec()).compressedContinuousInputStream(counted);
        } catch (Exception e) {
            counted.close();
            throw new EventLogException(
                    Kind.CORRUPT_COMPRESSION,
                    file.name(),
                    1L,
                    file.name() + " is not readable " + file.codec() + " data: " + e.getMessage(),
                    e);
        }
    }

    // ---- shapes

    /** What the first bytes say: zip, gzip, one of Spark's codecs, JSON text, or null. */
    static String sniff(byte[] head) {
        if (startsWith(head, 0x50, 0x4B, 0x03, 0x04) || startsWith(head, 0x50, 0x4B, 0x05, 0x06)) {
            return "zip";
        }
        if (startsWith(head, 0x1F, 0x8B)) {
            return "gzip";
        }
        if (startsWith(head, 0x28, 0xB5, 0x2F, 0xFD)) {
            return "zstd";
        }
        if (startsWith(head, 'L', 'Z', '4', 'B', 'l', 'o', 'c', 'k')) {
            return "lz4";
        }
        if (startsWith(head, 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0)) {
            return "snappy";
        }
        if (startsWith(head, 'Z', 'V')) {
            return "lzf";
        }
        for (byte b : head) {
            if (b == '{') {
                return "json";
            }
            if (b != ' '
                    && b != '\n'
                    && b != '\r'
                    && b != '\t'
                    && b != (byte) 0xEF
                    && b != (byte) 0xBB
                    && b != (byte) 0xBF) {
                return null;
            }
        }
        return head.length == 0 ? null : "json";
    }

    /**
     * The name a single file gets on disk: Spark reads the codec from the last extension, so the
     * extension must name the codec the bytes are in (or none for plain JSON lines).
     */
    private static String singleName(String name, String magic, List<String> warnings) throws EventLogException {
        boolean inProgress = name.endsWith(".inprogress");
        String core = name.replaceAll("\\.inprogress$", "").replaceAll("\\.compact$", "");
        int dot = core.lastIndexOf('.');
        String extension = dot > 0 ? core.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
        String base = (dot > 0
                                && (CODECS.contains(extension)
                                        || extension.equals("json")
                                        || extension.equals("log")
                                        || extension.equals("txt"))
                        ? core.substring(0, dot)
                        : core)
                .replace('.', '_');
        if ("gzip".equals(magic)) {
            throw new EventLogException(
                    Kind.WRONG_FORMAT,
                    name,
                    null,
                    name + " is gzip-compressed; Spark writes event logs plain or with lz4, lzf, snappy or zstd"
                            + " (spark.eventLog.compression.codec): gunzip it and upload the result");
        }
        String codec;
        if (CODECS.contains(extension)) {
            if (!extension.equals(magic)) {
                throw new EventLogException(
                        Kind.CORRUPT_COMPRESSION,
                        name,
                        1L,
                        name + " is named ." + extension + " but its first bytes are not " + extension + " data"
                                + (magic == null ? "" : " (they look like " + magic + ")"));
            }
            codec = extension;
        } else if (magic == null) {
            throw new EventLogException(
                    Kind.WRONG_FORMAT,
                    name,
                    null,
                    name + " is not a Spark event log: neither JSON lines, nor a zip, nor compressed with one of"
                            + " Spark's codecs (lz4, lzf, snappy, zstd)");
        } else if ("json".equals(magic)) {
            codec = null;
        } else {
            codec = magic;
            warnings.add(name + " has no codec extension; its first bytes say " + magic + ", so it was read as " + magic
                    + " (Spark itself picks the codec by the file name)");
        }
        return base + (codec == null ? "" : "." + codec) + (inProgress ? ".inprogress" : "");
    }

    /** Extracts the one event log of a zip (a rolling folder or a single file) under {@code logDir}. */
    private static Path unzip(
            Path upload, String name, Path logDir, long maxInflated, int maxRatio, List<String> warnings)
            throws IOException {
        Map<String, List<ZipEntry>> logs = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(upload.toFile())) {
            int count = 0;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry entry = en.nextElement();
                if (++count > MAX_ZIP_ENTRIES) {
                    throw new EventLogException(
                            Kind.WRONG_FORMAT, name, null, name + " has more than " + MAX_ZIP_ENTRIES + " entries");
                }
                String[] parts = entry.getName().replace('\\', '/').split("/");
                String base = parts[parts.length - 1];
                if (entry.isDirectory()
                        || base.isEmpty()
                        || base.startsWith(".")
                        || entry.getName().contains("__MACOSX")) {
                    continue;
                }
                String parent = parts.length > 1 ? parts[parts.length - 2] : "";
                String key;
                if (parent.startsWith("eventlog_v2_")) {
                    key = sanitize(parent);
                } else if (base.startsWith("events_") || base.startsWith("appstatus_")) {
                    key = "eventlog_v2_" + rollingAppId(base);
                } else {
                    key = "single:" + sanitize(base);
                }
                logs.computeIfAbsent(key, k -> new ArrayList<>()).add(entry);
            }
            if (logs.isEmpty()) {
                throw new EventLogException(Kind.NOTHING_TO_IMPORT, name, null, name + " holds no file");
            }
            if (logs.size() > 1) {
                throw new EventLogException(
                        Kind.WRONG_FORMAT,
                        name,
                        null,
                        name + " holds " + logs.size() + " event logs (" + String.join(", ", shortList(logs.keySet()))
                                + "); upload one application's log at a time");
            }
            Map.Entry<String, List<ZipEntry>> log = logs.entrySet().iterator().next();
            long[] inflated = {0};
            if (log.getKey().startsWith("single:")) {
                ZipEntry entry = log.getValue().get(0);
                Path tmp = logDir.resolve(".extracting");
                extract(zip, entry, tmp, name, maxInflated, maxRatio, inflated);
                String target = singleName(sanitize(baseName(entry)), sniff(head(tmp)), warnings);
                return Files.move(tmp, logDir.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            }
            Path dir = Files.createDirectories(logDir.resolve(log.getKey()));
            boolean status = false;
            for (ZipEntry entry : log.getValue()) {
                String base = sanitize(baseName(entry));
                status |= base.startsWith("appstatus_");
                extract(zip, entry, dir.resolve(base), name, maxInflated, maxRatio, inflated);
            }
            if (!status) {
                String app = log.getKey().substring("eventlog_v2_".length());
                Files.createFile(dir.resolve("appstatus_" + app + ".inprogress"));
                warnings.add("the rolling log has no appstatus file; it was read as a log still being written");
            }
            return dir;
        } catch (ZipException e) {
            throw new EventLogException(
                    Kind.CORRUPT_COMPRESSION, name, null, name + " is a corrupt zip: " + e.getMessage(), e);
        }
    }

    private static void extract(
            ZipFile zip, ZipEntry entry, Path target, String name, long maxInflated, int maxRatio, long[] inflated)
            throws IOException {
        long compressed = Math.max(entry.getCompressedSize(), 1);
        long allowed = Math.max(EventLogLines.RATIO_FLOOR, compressed * maxRatio);
        long written = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = zip.getInputStream(entry);
                OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                written += n;
                inflated[0] += n;
                if (written > allowed) {
                    throw new EventLogException(
                            Kind.DECOMPRESSION_BOMB,
                            entry.getName(),
                            null,
                            entry.getName() + " in " + name + " inflates more than " + maxRatio + " times its "
                                    + Figures.bytes(compressed)
                                    + ": a decompression bomb, not an event log (lab.imports.max-ratio)");
                }
                if (inflated[0] > maxInflated) {
                    throw new EventLogException(
                            Kind.DECOMPRESSION_BOMB,
                            entry.getName(),
                            null,
                            name + " inflates to more than " + Figures.bytes(maxInflated)
                                    + " (lab.imports.max-inflated-bytes)");
                }
                out.write(buf, 0, n);
            }
        }
    }

    private static String rollingAppId(String base) {
        String s = base.replaceAll("\\.inprogress$", "").replaceAll("\\.compact$", "");
        if (s.startsWith("appstatus_")) {
            s = s.substring("appstatus_".length());
        } else {
            s = s.replaceFirst("^events_\\d+_", "");
        }
        int dot = s.indexOf('.');
        return sanitize(dot > 0 ? s.substring(0, dot) : s);
    }

    private static List<String> shortList(Set<String> keys) {
        List<String> names =
                keys.stream().map(k -> k.replaceFirst("^single:", "")).toList();
        return names.size() <= 5 ? names : names.subList(0, 5);
    }

    private static String baseName(ZipEntry entry) {
        String[] parts = entry.getName().replace('\\', '/').split("/");
        return parts[parts.length - 1];
    }

    private static String relative(Path logDir, Path path) {
        return logDir.relativize(path).toString().replace('\\', '/');
    }

    /** Keeps a file name to characters Spark's naming uses; never a path. */
    static String sanitize(String name) {
        String base = name.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1);
        String clean = base.replaceAll("[^A-Za-z0-9._-]", "_");
        while (clean.startsWith(".")) {
            clean = clean.substring(1);
        }
        if (clean.length() > 200) {
            clean = clean.substring(clean.length() - 200);
        }
        return clean.isEmpty() ? "eventlog" : clean;
    }

    static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(16);
        }
    }

    private static boolean startsWith(byte[] head, int... prefix) {
        if (head.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((head[i] & 0xFF) != (prefix[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return root + " " + Arrays.toString(files.toArray());
    }
}
