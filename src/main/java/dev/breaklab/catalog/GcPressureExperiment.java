package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.StageSnapshot;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/** Per-row Java objects held by the hundred thousand: the garbage collector eats the task time. */
@Component
class GcPressureExperiment extends ExperimentBase {

    /** The fixed variant in SQL (the broken one is RDD code): gc-pressure-cluster runs the same. */
    static final String FIXED_SQL = """
            SELECT user, count(1), sum(amount), avg(amount), max(amount)
            FROM (SELECT concat('user-', floor(id / greatest(1, ${rows} div ${users}))) AS user,
                         cast(pmod(id, 1000) AS double) AS amount
                  FROM range(0, ${rows}, 1, ${partitions}))
            GROUP BY user""";

    GcPressureExperiment() {
        super(define("gc-pressure", GcPressureExperiment.class)
                .concepts(Concept.MEMORY, Concept.SPARK_UI)
                .sql("fixed", FIXED_SQL)
                .knob(Knobs.rows(5_000_000, 50_000_000))
                .knob(IntegerKnob.of("users", 1_000, 1, 1_000_000, "users"))
                .knob(IntegerKnob.of("partitions", 4, 1, 64, "partitions"))
                .variant(Variant.of("broken"))
                .variant(Variants.aqeOff("fixed").withConf("spark.sql.shuffle.partitions", "4"))
                .question(Questions.yesNo("gc-share", run -> RunQueries.gcShare(run) > 0.10))
                .question(Questions.stagesRun())
                .evidence(invisibleToSpark())
                // Whether a collection happens during the run depends on the heap's state (how full the young
                // generation already is), so this claim is measured on every run but expected on none.
                .evidence(Evidence.of(
                        "gc-heavy",
                        Set.of(),
                        run -> Verdict.of(
                                RunQueries.gcShare(run) > 0.10,
                                "GC %s of the task run time",
                                Figures.percent(RunQueries.gcShare(run)))))
                .evidence(managedMemory())
                .primaryFinding("records-as-objects"));
    }

    /** The central claim, also gc-pressure-cluster's: the objects are outside the memory Spark manages. */
    static Evidence invisibleToSpark() {
        return Evidence.central("invisible-to-spark", Set.of("broken"), run -> {
            StageSnapshot stage = RunQueries.busiestStage(run).orElseThrow();
            return Verdict.of(
                    stage.peakExecutionMemory() == 0,
                    "stage %d: peak execution memory %s; GC %d ms of %d ms task time",
                    stage.stageId(),
                    Figures.bytes(stage.peakExecutionMemory()),
                    stage.gcTimeMs(),
                    stage.executorRunTimeMs());
        });
    }

    /** The fixed variant's claim, also gc-pressure-cluster's: the aggregation's buffers are Spark's. */
    static Evidence managedMemory() {
        return Evidence.of("managed-memory", Set.of("fixed"), run -> {
            long peak = run.completedStages().stream()
                    .mapToLong(StageSnapshot::peakExecutionMemory)
                    .max()
                    .orElse(0);
            return Verdict.of(
                    peak > 0,
                    "peak execution memory %s; GC %s of the task run time",
                    Figures.bytes(peak),
                    Figures.percent(RunQueries.gcShare(run)));
        });
    }

    @Override
    public String run(ExperimentRun run) {
        return objectsPerRow(run);
    }

    /** The lesson's code, which gc-pressure-cluster runs too (on executors of their own). */
    static String objectsPerRow(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long perUser = Math.max(1, k.integer("rows") / k.integer("users")); // users are contiguous blocks
        if (run.variant().equals("fixed")) {
            run.execute(run.spark()
                    .range(0, k.integer("rows"), 1, k.intValue("partitions"))
                    .select(
                            concat(lit("user-"), floor(col("id").divide(perUser)))
                                    .as("user"),
                            pmod(col("id"), lit(1000)).cast("double").as("amount"))
                    .groupBy("user")
                    .agg(count(lit(1)), sum("amount"), avg("amount"), max("amount")));
        } else {
            record Event(long id, String user, Double amount, String type, String note) implements Serializable {}
            run.spark()
                    .range(0, k.integer("rows"), 1, k.intValue("partitions"))
                    .javaRDD()
                    .mapPartitions((Iterator<Long> ids) -> {
                        Map<String, List<Event>> byUser = new HashMap<>(); // every event of the partition, kept
                        while (ids.hasNext()) {
                            long id = ids.next();
                            String user = "user-" + (id / perUser);
                            byUser.computeIfAbsent(user, u -> new ArrayList<>())
                                    .add(new Event(
                                            id,
                                            user,
                                            (double) (id % 1000),
                                            "type-" + (id % 10),
                                            "note-" + id + "-" + user));
                        }
                        List<double[]> stats = new ArrayList<>(byUser.size());
                        for (List<Event> events : byUser.values()) {
                            double total = 0;
                            double most = Double.NEGATIVE_INFINITY;
                            for (Event e : events) {
                                total += e.amount();
                                most = Math.max(most, e.amount());
                            }
                            stats.add(new double[] {events.size(), total, total / events.size(), most});
                        }
                        return stats.iterator();
                    })
                    .count();
        }
        // lesson:end
        return (k.integer("rows") + perUser - 1) / perUser + " users summarized (" + run.variant() + ")";
    }
}
