package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.springframework.stereotype.Component;

/** A new grouping key on an old checkpoint: the restart fails on Spark's state schema check. */
@Component
class StateSchemaChangeExperiment implements Experiment {

    static final String ID = "state-schema-change";
    static final String SCHEMA = "user STRING, device STRING";

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "State schema change: the checkpoint remembers your old key",
            "Restarting an aggregation with a different grouping key on the old checkpoint fails Spark's state schema check.",
            List.of(Concept.STREAMING, Concept.FAULTS),
            """
            A streaming aggregation keeps its running totals in the state store, keyed by the grouping \
            columns, and the checkpoint records the schema of that key and value. Deploy a new version \
            of the query that groups by (user, device) instead of user, point it at the old checkpoint, \
            and the rows in the state store no longer mean what the new code thinks they mean. Spark \
            checks the schema on restart and refuses to run rather than silently misread the state: the \
            query fails on its first batch with a state schema incompatibility error.

            Here the lab writes JSON files into an input directory, runs a per-user count over them \
            (one file per micro-batch, Trigger.AvailableNow), then more files arrive and the changed \
            query restarts. On the old checkpoint it fails with Spark's own error. With a new \
            checkpoint it works, but a new checkpoint means new state: the query starts again at batch \
            0 and rebuilds its counts from every file the source still has. That only works because \
            the file source can replay from the beginning; with a source that cannot, the old totals \
            are gone. Plan state migrations (or a fresh backfill) before you change a stateful query.""",
            new Code("""
                    Dataset<Row> events = spark.readStream().schema("user STRING, device STRING")
                        .option("maxFilesPerTrigger", 1).json(inputDir);

                    // version 1 of the query
                    events.groupBy("user").count().writeStream()
                        .format("noop").outputMode("update").trigger(Trigger.AvailableNow())
                        .option("checkpointLocation", checkpoint).start().awaitTermination();

                    // ... more files arrive; version 2 groups by a different key
                    Dataset<Row> v2 = events.groupBy("user", "device").count();
                    // broken: the old checkpoint -> the state schema check fails the query
                    v2.writeStream()...option("checkpointLocation", checkpoint).start();
                    // fixed: a new checkpoint -> state rebuilt from batch 0
                    v2.writeStream()...option("checkpointLocation", checkpoint + "-v2").start();""", """
                    -- version 1 (over a streaming view of the JSON files)
                    SELECT user, count(*) FROM events GROUP BY user;
                    -- version 2: a different grouping key, hence a different state key schema;
                    -- it cannot reuse version 1's checkpoint
                    SELECT user, device, count(*) FROM events GROUP BY user, device;"""),
            List.of(
                    IntegerKnob.of(
                            "files", "Files before the change", 4, 1, 20, "files", "Input files version 1 processes"),
                    IntegerKnob.of(
                            "newFiles",
                            "Files after the change",
                            2,
                            1,
                            20,
                            "files",
                            "Files that arrive before the restart"),
                    IntegerKnob.of("rowsPerFile", "Rows per file", 200, 10, 100_000, "rows", "Events in each file"),
                    IntegerKnob.of("users", "Users", 20, 1, 10_000, "users", "Distinct users in the events"),
                    IntegerKnob.of(
                                    "shufflePartitions",
                                    "State partitions",
                                    2,
                                    1,
                                    200,
                                    "partitions",
                                    "spark.sql.shuffle.partitions: state store partitions of the query")
                            .conf("spark.sql.shuffle.partitions")),
            List.of(
                    Variant.of(
                            "broken", "Old checkpoint", "Restart the changed query on the checkpoint of the old one"),
                    Variant.of(
                            "fixed",
                            "New checkpoint",
                            "Restart the changed query on a new checkpoint: state is rebuilt from the source")),
            List.of(
                    Question.outcome("Will the restart of the changed query succeed or fail?"),
                    Question.number(
                            "restart-batch",
                            "At which batch id will the changed query's first batch run (on the checkpoint it is given)?",
                            run -> Streams.ofStart(run, 1).isEmpty()
                                    ? -1
                                    : Streams.ofStart(run, 1).get(0).batchId())),
            List.of(
                    Evidence.central(
                            "schema-error",
                            "The restart on the old checkpoint fails with Spark's state schema incompatibility error",
                            Set.of("broken"),
                            run -> {
                                boolean schemaError = run.status() == RunStatus.FAILED
                                        && run.error() != null
                                        && isSchemaError(run.error().errorClass() + " "
                                                + run.error().message());
                                return Verdict.of(
                                        schemaError,
                                        "status %s%s",
                                        run.status(),
                                        run.error() == null
                                                ? ""
                                                : ": " + run.error().errorClass() + " - "
                                                        + run.error()
                                                                .message()
                                                                .substring(
                                                                        0,
                                                                        Math.min(
                                                                                200,
                                                                                run.error()
                                                                                        .message()
                                                                                        .length())));
                            }),
                    Evidence.of(
                            "first-version-ran",
                            "Version 1 ran one micro-batch per input file and kept one state row per user",
                            Set.of("broken", "fixed"),
                            run -> {
                                List<BatchSnapshot> v1 = Streams.ofStart(run, 0);
                                long files = ((Number) run.knobs().get("files")).longValue();
                                long users = run.measurement("usersInFirstFiles");
                                long state =
                                        v1.isEmpty() ? -1 : Streams.last(v1).stateRowsTotal();
                                return Verdict.of(
                                        v1.size() == files && state == users,
                                        "%d batches for %d files; state rows %d, users %d",
                                        v1.size(),
                                        files,
                                        state,
                                        users);
                            }),
                    Evidence.of(
                            "fresh-state",
                            "On a new checkpoint the changed query starts over at batch 0 and rebuilds one state row per (user, device) from every file",
                            Set.of("fixed"),
                            run -> {
                                List<BatchSnapshot> v2 = Streams.ofStart(run, 1);
                                long groups = run.measurement("userDeviceGroups");
                                long files = run.measurement("allFiles");
                                long firstBatch = v2.isEmpty() ? -1 : v2.get(0).batchId();
                                long state =
                                        v2.isEmpty() ? -1 : Streams.last(v2).stateRowsTotal();
                                return Verdict.of(
                                        firstBatch == 0 && v2.size() == files && state == groups,
                                        "first batch %d, %d batches for %d files, state rows %d, (user, device) groups %d",
                                        firstBatch,
                                        v2.size(),
                                        files,
                                        state,
                                        groups);
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    static boolean isSchemaError(String text) {
        String t = text.toUpperCase(Locale.ROOT);
        return t.contains("STATE") && t.contains("SCHEMA");
    }

    @Override
    public String run(ExperimentRun run) throws Exception {
        KnobValues k = run.knobs();
        SparkSession spark = run.spark();
        Path input = run.workDir().resolve("input");
        int files = k.intValue("files");
        int newFiles = k.intValue("newFiles");
        writeFiles(input, 0, files, k.intValue("rowsPerFile"), k.intValue("users"));
        Dataset<Row> events = spark.readStream()
                .schema(SCHEMA)
                .option("maxFilesPerTrigger", 1)
                .json(input.toString());

        Path checkpoint = run.checkpoint("counts");
        await(
                run,
                run.start(events.groupBy("user")
                        .count()
                        .writeStream()
                        .format("noop")
                        .outputMode("update")
                        .trigger(Trigger.AvailableNow())
                        .option("checkpointLocation", checkpoint.toString())));
        run.measure(
                "usersInFirstFiles",
                spark.read()
                        .schema(SCHEMA)
                        .json(input.toString())
                        .select("user")
                        .distinct()
                        .count());

        writeFiles(input, files, newFiles, k.intValue("rowsPerFile"), k.intValue("users"));
        Dataset<Row> all = spark.read().schema(SCHEMA).json(input.toString());
        run.measure("allFiles", files + newFiles);
        run.measure(
                "userDeviceGroups",
                all.select(col("user"), col("device")).distinct().count());

        Path restartCheckpoint = "fixed".equals(run.variant()) ? run.checkpoint("counts-v2") : checkpoint;
        // Throws Spark's StreamingQueryException on the old checkpoint: the run fails with it.
        await(
                run,
                run.start(events.groupBy("user", "device")
                        .count()
                        .writeStream()
                        .format("noop")
                        .outputMode("update")
                        .trigger(Trigger.AvailableNow())
                        .option("checkpointLocation", restartCheckpoint.toString())));
        return "the changed query ran on a new checkpoint over " + (files + newFiles) + " files";
    }

    private static void await(ExperimentRun run, StreamingQuery query) throws Exception {
        query.awaitTermination();
        if (run.stopping()) {
            throw new java.util.concurrent.CancellationException("the run was stopped");
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
