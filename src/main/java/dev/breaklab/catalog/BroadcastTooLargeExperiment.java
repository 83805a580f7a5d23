package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import java.util.Set;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A BROADCAST hint on a table bigger than the driver may collect: the result-size guard stops it. */
@Component
class BroadcastTooLargeExperiment extends ExperimentBase {

    private static final String VIEWS = """
            CREATE TEMP VIEW big AS
              SELECT id AS key,
                     concat(sha2(concat(CAST(id AS STRING), 'a'), 512),
                            sha2(concat(CAST(id AS STRING), 'b'), 512)) AS payload
              FROM range(0, ${bigMb} * 4096, 1, 16);
            CREATE TEMP VIEW lookups AS
              SELECT pmod(id * 7919, ${bigMb} * 4096) AS key FROM range(0, ${lookupKeys}, 1, 2);
            """;

    /** The big table's default size is 1.5 times the lab's guard (lab.engine.max-result-size). */
    BroadcastTooLargeExperiment(LabProperties lab) {
        super(definition(Math.max(1, JavaUtils.byteStringAsMb(lab.engine().maxResultSize()))));
    }

    private static ExperimentDefinition.Builder definition(long guardMb) {
        return define("broadcast-too-large", BroadcastTooLargeExperiment.class)
                .concepts(Concept.JOINS, Concept.MEMORY)
                .value("guardMb", guardMb)
                .sql(
                        VIEWS
                                + "SELECT /*+ BROADCAST(big) */ count(1), sum(length(payload)) FROM lookups JOIN big USING (key)")
                .sql("fixed", VIEWS + """
                        SELECT /*+ BROADCAST(lookups) */ count(1), sum(length(payload)) FROM big JOIN lookups USING (key)""")
                .knob(IntegerKnob.of("bigMb", guardMb * 3 / 2, 1, guardMb * 3, "MB"))
                .knob(IntegerKnob.of("lookupKeys", 1_000, 1, 100_000, "rows"))
                .variant(Variants.shuffleJoin("broken"))
                .variant(Variants.shuffleJoin("fixed"))
                .question(Questions.outcome())
                .question(Questions.joinStrategy("BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin"))
                .evidence(Evidence.failsWith("guard-tripped", Set.of("broken"), "spark.driver.maxResultSize"))
                .evidence(Evidence.of("broadcast-planned", Set.of("broken", "fixed"), run -> {
                    String join = RunQueries.initialJoinStrategy(run);
                    return Verdict.of(join.equals("BroadcastHashJoin"), "planned join: %s", join);
                }))
                .evidence(Evidence.of("small-side-broadcast", Set.of("fixed"), run -> {
                    long broadcastRows = RunQueries.finalMetric(run, "BroadcastExchange", "number of output rows");
                    long written = RunQueries.shuffleWritten(run);
                    return Verdict.of(
                            run.status() == RunStatus.SUCCEEDED
                                    && broadcastRows == RunQueries.knob(run, "lookupKeys")
                                    && written < 1_048_576,
                            "status %s, rows broadcast: %,d, shuffle written: %,d bytes (the final count only)",
                            run.status(),
                            broadcastRows,
                            written);
                }))
                .primaryFinding("large-broadcast");
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        // 4,096 rows per MB: two SHA-512 hex digests per row, 256 characters that LZ4 cannot shrink
        Dataset<Row> big = run.spark()
                .range(0, k.integer("bigMb") * 4096, 1, 16)
                .select(
                        col("id").as("key"),
                        concat(
                                        sha2(concat(col("id").cast("string"), lit("a")), 512),
                                        sha2(concat(col("id").cast("string"), lit("b")), 512))
                                .as("payload"));
        Dataset<Row> lookups = run.spark()
                .range(0, k.integer("lookupKeys"), 1, 2)
                .select(pmod(col("id").multiply(7919), lit(k.integer("bigMb") * 4096))
                        .as("key"));
        Dataset<Row> joined = run.variant().equals("broken")
                ? lookups.join(broadcast(big), "key")
                : big.join(broadcast(lookups), "key");
        Row summary = run.collect(joined.agg(count(lit(1)), sum(length(col("payload")))))
                .get(0);
        // lesson:end
        return summary.getLong(0) + " rows joined, " + summary.getLong(1) + " payload characters";
    }
}
