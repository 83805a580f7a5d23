package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** What a shuffle leaves on disk: per map task one .data file of blocks and one .index of offsets. */
@Component
class ShuffleFilesExperiment extends ExperimentBase {

    static final String ID = "shuffle-files";

    /** shuffle_{shuffleId}_{mapId}_0.index or .data: the sort shuffle's reduce-id-0 files per map task. */
    private static final Pattern SHUFFLE_FILE = Pattern.compile("shuffle_(\\d+)_(\\d+)_0\\.(index|data)");

    ShuffleFilesExperiment() {
        super(define(ID, ShuffleFilesExperiment.class)
                .concepts(Concept.SHUFFLE, Concept.PARTITIONS, Concept.STAGES)
                .sql("""
                    SELECT pmod(id, ${keys}) AS key, count(1) AS n
                    FROM range(0, ${rows}, 1, 4)
                    GROUP BY pmod(id, ${keys})""")
                .knob(Knobs.rows(100_000, 10_000_000))
                .knob(Knobs.groups(1_000, 1_000_000))
                .knob(Knobs.shufflePartitions(200, 2_000, "blocks per map file, and reduce tasks"))
                .variant(Variants.aqeOff("broken"))
                .variant(Variants.aqeOff("fixed").withKnob("shufflePartitions", 8L))
                .variant(Variant.of("coalesced")
                        .withConf("spark.sql.adaptive.enabled", "true")
                        .withConf("spark.sql.adaptive.coalescePartitions.enabled", "true"))
                .question(Question.number("offsets", run -> measured(run, "maxOffsets")))
                .question(
                        Questions.tasks("reduce-tasks", "aggregate (after the shuffle)", RunQueries::shuffleReadStage))
                .evidence(Evidence.central("tiny-blocks", Set.of("broken", "coalesced"), run -> {
                    long offsets = measured(run, "minOffsets");
                    long median = measured(run, "medianBlockBytes");
                    return Verdict.of(
                            offsets >= 101 && median < 1_024,
                            "%d index files, %d to %d offsets each; %,d blocks, %,d empty, median %s",
                            measured(run, "indexFiles"),
                            offsets,
                            measured(run, "maxOffsets"),
                            measured(run, "blocks"),
                            measured(run, "emptyBlocks"),
                            Figures.bytes(median));
                }))
                .evidence(Evidence.of("file-per-map-task", Set.of("broken", "fixed", "coalesced"), run -> {
                    int mapTasks = RunQueries.shuffleMapStages(run).stream()
                            .mapToInt(s -> s.numTasks())
                            .sum();
                    long index = measured(run, "indexFiles");
                    long data = measured(run, "dataFiles");
                    return Verdict.of(
                            index == mapTasks && data == mapTasks,
                            "%d map tasks; %d .index and %d .data files",
                            mapTasks,
                            index,
                            data);
                }))
                .evidence(Evidence.of("offsets-add-up", Set.of("broken", "fixed", "coalesced"), run -> {
                    long indexed = measured(run, "indexedBytes");
                    long data = measured(run, "dataBytes");
                    long written = RunQueries.shuffleWritten(run);
                    return Verdict.of(
                            indexed == data && data == written && written > 0,
                            "indexed %,d bytes, data files %,d bytes, shuffle write %,d bytes",
                            indexed,
                            data,
                            written);
                }))
                .evidence(Evidence.of("contiguous-ranges", Set.of("coalesced"), run -> {
                    boolean coalesced = RunQueries.finalPlanHas(run, "AQEShuffleRead", "coalesced");
                    int tasks = RunQueries.shuffleReadStage(run).numTasks();
                    return Verdict.of(
                            coalesced && tasks <= 10,
                            "AQEShuffleRead coalesced: %s; reduce tasks: %d",
                            coalesced ? "yes" : "no",
                            tasks);
                }))
                .primaryFinding("tiny-tasks"));
    }

    private static long measured(RunSnapshot run, String name) {
        Long value = run.measurements().get(name);
        if (value == null) {
            throw new IllegalStateException("the run did not measure " + name
                    + ": it reads the shuffle files of the embedded engine only (local[N])");
        }
        return value;
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        Set<Integer> before = shuffleFiles().keySet();
        // lesson:start
        Dataset<Row> query = run.spark()
                .range(0, k.integer("rows"), 1, 4)
                .groupBy(pmod(col("id"), lit(k.integer("keys"))).as("key"))
                .agg(count(lit(1)).as("n"));
        run.execute(query);
        // Then list the map tasks' shuffle_<id>_<map>_0.index files under the block manager's local dirs
        // (SparkEnv.get().blockManager().diskBlockManager().localDirs()) and read their offsets.
        // lesson:end
        if (!run.spark().sparkContext().isLocal()) {
            // On a cluster the map tasks wrote their files on the executors' disks, not the driver's:
            // the evidence then reports that nothing was measured.
            return "the shuffle files are on the executors' disks: this lesson reads them in the embedded engine";
        }
        Map<Integer, List<File>> after = shuffleFiles();
        after.keySet().removeAll(new HashSet<>(before));
        measure(run, after);
        return after.size() + " shuffle(s) of this run on disk";
    }

    /**
     * The .index and .data files under the block manager's local dirs, by shuffle id. The engine runs
     * one run at a time (lab.runs.concurrency: 1), so the shuffle ids new since the action started are
     * this run's. The two files of a map task usually sit in different subdirectories: the block
     * manager picks a file's subdirectory by the hash of its name.
     */
    private static Map<Integer, List<File>> shuffleFiles() {
        Map<Integer, List<File>> byShuffle = new TreeMap<>();
        for (File dir : SparkEnv.get().blockManager().diskBlockManager().localDirs()) {
            try (var files = Files.walk(dir.toPath())) {
                files.forEach(path -> {
                    Matcher m = SHUFFLE_FILE.matcher(path.getFileName().toString());
                    if (m.matches()) {
                        byShuffle
                                .computeIfAbsent(Integer.parseInt(m.group(1)), id -> new ArrayList<>())
                                .add(path.toFile());
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                // A shuffle cleaned up while walking: its files are not this run's.
            }
        }
        return byShuffle;
    }

    /** Reads every index: partitions + 1 big-endian longs, block r is offsets[r]..offsets[r+1] of the .data. */
    private static void measure(ExperimentRun run, Map<Integer, List<File>> shuffles) {
        long indexFiles = 0, dataFiles = 0, indexed = 0, dataBytes = 0, empty = 0;
        long minOffsets = Long.MAX_VALUE, maxOffsets = 0;
        List<Long> blocks = new ArrayList<>();
        for (List<File> files : shuffles.values()) {
            for (File file : files) {
                if (file.getName().endsWith(".data")) {
                    dataFiles++;
                    dataBytes += file.length();
                    continue;
                }
                File index = file;
                indexFiles++;
                long[] offsets = readOffsets(index);
                minOffsets = Math.min(minOffsets, offsets.length);
                maxOffsets = Math.max(maxOffsets, offsets.length);
                for (int r = 0; r + 1 < offsets.length; r++) {
                    long size = offsets[r + 1] - offsets[r];
                    blocks.add(size);
                    if (size == 0) {
                        empty++;
                    }
                }
                indexed += offsets.length == 0 ? 0 : offsets[offsets.length - 1];
            }
        }
        Collections.sort(blocks);
        run.measure("indexFiles", indexFiles);
        run.measure("dataFiles", dataFiles);
        run.measure("minOffsets", indexFiles == 0 ? 0 : minOffsets);
        run.measure("maxOffsets", maxOffsets);
        run.measure("blocks", blocks.size());
        run.measure("emptyBlocks", empty);
        run.measure("medianBlockBytes", blocks.isEmpty() ? 0 : blocks.get(blocks.size() / 2));
        run.measure("indexedBytes", indexed);
        run.measure("dataBytes", dataBytes);
    }

    private static long[] readOffsets(File index) {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(index.toPath()))) {
            long[] offsets = new long[(int) (index.length() / 8)];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = in.readLong();
            }
            return offsets;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
