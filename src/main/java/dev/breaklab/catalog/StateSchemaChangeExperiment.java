package dev.breaklab.catalog;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.Trigger;
import org.springframework.stereotype.Component;

/** A new grouping key on an old checkpoint: the restart fails on Spark's state schema check. */
@Component
class StateSchemaChangeExperiment extends ExperimentBase {

    StateSchemaChangeExperiment() {
        super(define("state-schema-change", StateSchemaChangeExperiment.class)
                .concepts(Concept.STREAMING, Concept.FAULTS)
                .knob(IntegerKnob.of("files", 4, 1, 20, "files"))
                .knob(IntegerKnob.of("newFiles", 2, 1, 20, "files"))
                .knob(IntegerKnob.of("rowsPerFile", 200, 10, 100_000, "rows"))
                .knob(IntegerKnob.of("users", 20, 1, 10_000, "users"))
                .knob(Knobs.shufflePartitions(2, 200, "state store partitions of the query"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Questions.outcome("Will the restart of the changed query succeed or fail?"))
                .question(Question.number("restart-batch", run -> Streams.ofStart(run, 1).stream()
                        .findFirst()
                        .map(BatchSnapshot::batchId)
                        .orElse(-1L)))
                .evidence(Evidence.central("schema-error", Set.of("broken"), run -> {
                    String error = run.error() == null
                            ? ""
                            : run.error().errorClass() + " - " + run.error().message();
                    String upper = error.toUpperCase(Locale.ROOT);
                    return Verdict.of(
                            run.status() == RunStatus.FAILED && upper.contains("STATE") && upper.contains("SCHEMA"),
                            "status %s: %s",
                            run.status(),
                            error.substring(0, Math.min(200, error.length())));
                }))
                .evidence(Evidence.of("first-version-ran", Set.of("broken", "fixed"), run -> {
                    List<BatchSnapshot> v1 = Streams.ofStart(run, 0);
                    long files = RunQueries.knob(run, "files");
                    long users = run.measurement("usersInFirstFiles");
                    long state = v1.isEmpty() ? -1 : Streams.last(v1).stateRowsTotal();
                    return Verdict.of(
                            v1.size() == files && state == users,
                            "%d batches for %d files; state rows %d, users %d",
                            v1.size(),
                            files,
                            state,
                            users);
                }))
                .evidence(Evidence.of("fresh-state", Set.of("fixed"), run -> {
                    List<BatchSnapshot> v2 = Streams.ofStart(run, 1);
                    long groups = run.measurement("userDeviceGroups");
                    long files = run.measurement("allFiles");
                    long firstBatch = v2.isEmpty() ? -1 : v2.get(0).batchId();
                    long state = v2.isEmpty() ? -1 : Streams.last(v2).stateRowsTotal();
                    return Verdict.of(
                            firstBatch == 0 && v2.size() == files && state == groups,
                            "first batch %d, %d batches for %d files, state rows %d, (user, device) groups %d",
                            firstBatch,
                            v2.size(),
                            files,
                            state,
                            groups);
                }))
                .primaryFinding("stream-restart"));
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        int files = k.intValue("files");
        // lesson:start
        Path input = run.workDir().resolve("input"); // the lab writes the JSON files here
        // lesson:end
        writeFiles(input, 0, files, k.intValue("rowsPerFile"), k.intValue("users"));
        // lesson:start
        Dataset<Row> events = run.spark()
                .readStream()
                .schema("user STRING, device STRING")
                .option("maxFilesPerTrigger", 1)
                .json(input.toString());
        // version 1 of the query
        run.start(events.groupBy("user")
                        .count()
                        .writeStream()
                        .format("noop")
                        .outputMode("update")
                        .trigger(Trigger.AvailableNow())
                        .option("checkpointLocation", run.checkpoint("counts").toString()))
                .awaitTermination();
        // lesson:end
        stopIfStopping(run);
        run.measure(
                "usersInFirstFiles",
                readAll(run, events, input).select("user").distinct().count());
        writeFiles(input, files, k.intValue("newFiles"), k.intValue("rowsPerFile"), k.intValue("users"));
        run.measure("allFiles", files + k.integer("newFiles"));
        run.measure(
                "userDeviceGroups",
                readAll(run, events, input).select("user", "device").distinct().count());
        // lesson:start
        // version 2 groups by a different key: on the old checkpoint Spark's state schema check fails it
        run.start(events.groupBy("user", "device")
                        .count()
                        .writeStream()
                        .format("noop")
                        .outputMode("update")
                        .trigger(Trigger.AvailableNow())
                        .option(
                                "checkpointLocation",
                                run.checkpoint(run.variant().equals("fixed") ? "counts-v2" : "counts")
                                        .toString()))
                .awaitTermination();
        // lesson:end
        stopIfStopping(run);
        return "the changed query ran on a new checkpoint over " + (files + k.integer("newFiles")) + " files";
    }

    /** The input files as they are now, read as a batch with the stream's schema. */
    private static Dataset<Row> readAll(ExperimentRun run, Dataset<Row> events, Path input) {
        return run.spark().read().schema(events.schema()).json(input.toString());
    }

    private static void stopIfStopping(ExperimentRun run) {
        if (run.stopping()) {
            throw new CancellationException("the run was stopped");
        }
    }

    /** JSON lines; each user uses a few devices, so (user, device) has more groups than user. */
    private static void writeFiles(Path dir, int from, int count, int rows, int users) throws IOException {
        Files.createDirectories(dir);
        for (int f = from; f < from + count; f++) {
            List<String> lines = new ArrayList<>(rows);
            for (int r = 0; r < rows; r++) {
                long n = (long) f * rows + r;
                lines.add("{\"user\":\"u" + (n % users) + "\",\"device\":\"d" + (n * 7 % 3) + "\"}");
            }
            // Write then rename: the file source must never see a half-written file.
            Path tmp = dir.resolveSibling("tmp-" + f + ".json");
            Files.write(tmp, lines);
            Files.move(tmp, dir.resolve(String.format(Locale.ROOT, "events-%04d.json", f)));
        }
    }
}
