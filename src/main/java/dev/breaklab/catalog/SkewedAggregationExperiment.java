package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** groupBy on a hot key with an aggregate that cannot shrink: one reduce task merges most of the data. */
@Component
class SkewedAggregationExperiment extends ExperimentBase {

    private static final String EVENTS = """
            CREATE TEMP VIEW events AS
              SELECT CAST(CASE WHEN pmod(id, 100) < ${hotShare} THEN 0
                               ELSE pmod(hash(id), ${countries} - 1) + 1 END AS BIGINT) AS country,
                     id * 7 AS user
              FROM range(0, ${rows}, 1, 8);
            """;

    SkewedAggregationExperiment() {
        super(define("skewed-aggregation", SkewedAggregationExperiment.class)
                .concepts(Concept.SHUFFLE, Concept.PARTITIONS, Concept.AQE, Concept.SPARK_UI)
                .sql(EVENTS + "SELECT country, size(collect_set(user)) AS users FROM events GROUP BY country")
                .sql("fixed", EVENTS + """
                    SELECT country, sum(users) AS users
                    FROM (SELECT country, salt, size(collect_set(user)) AS users
                          FROM (SELECT *, pmod(hash(user), ${saltBuckets}) AS salt FROM events)
                          GROUP BY country, salt)
                    GROUP BY country""")
                .sql(
                        "count-distinct",
                        EVENTS + "SELECT country, count(DISTINCT user) AS users FROM events GROUP BY country")
                .knob(Knobs.rows(400_000, 20_000_000))
                .knob(IntegerKnob.of("hotShare", 80, 0, 99, "%"))
                .knob(IntegerKnob.of("countries", 100, 2, 10_000, "keys"))
                .knob(IntegerKnob.of("saltBuckets", 32, 2, 512, "buckets"))
                .knob(Knobs.shufflePartitions(8, 2_000, "tasks of each aggregate stage"))
                .variant(aggregation("broken"))
                .variant(aggregation("fixed"))
                .variant(aggregation("count-distinct"))
                .question(Questions.yesNo("aqe-helps", run -> RunQueries.finalPlanHas(run, "AQEShuffleRead", "skewed")))
                .question(Questions.readRatio("aggregate"))
                .evidence(Evidence.readSkew("straggler", Set.of("broken"), read -> read >= 5)
                        .asCentral())
                .evidence(Evidence.of("aqe-does-not-split", Set.of("broken"), run -> {
                    boolean adaptive = RunQueries.finalHas(run, "AdaptiveSparkPlan");
                    boolean skewed = RunQueries.finalPlanHas(run, "AQEShuffleRead", "skewed");
                    return Verdict.of(adaptive && !skewed, "AdaptiveSparkPlan: %s, skewed read: %s", adaptive, skewed);
                }))
                .evidence(Evidence.readSkew("balanced", Set.of("fixed", "count-distinct"), read -> read < 3)
                        .and(run -> Verdict.of(
                                RunQueries.exchanges(run) >= 2, "shuffle Exchanges: %d", RunQueries.exchanges(run))))
                .primaryFinding("skew"));
    }

    /** AQE on with skew handling (it will not help), no coalescing; big hash maps for the salted groups. */
    private static Variant aggregation(String name) {
        return Variants.aqeOn(name)
                .withConf("spark.sql.adaptive.skewJoin.enabled", "true")
                .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                .withConf("spark.sql.objectHashAggregate.sortBased.fallbackThreshold", "8192");
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> events = run.spark()
                .range(0, k.integer("rows"), 1, 8)
                .select(
                        when(pmod(col("id"), lit(100)).lt(k.integer("hotShare")), lit(0L))
                                .otherwise(pmod(hash(col("id")), lit(k.integer("countries") - 1))
                                        .plus(1))
                                .cast("long")
                                .as("country"),
                        // Not the bare id: Spark knows range() output is partitioned by id, and would
                        // then deduplicate (country, user) pairs without a shuffle.
                        col("id").multiply(7).as("user"));
        Dataset<Row> usersPerCountry =
                switch (run.variant()) {
                    case "fixed" ->
                        events.withColumn("salt", pmod(hash(col("user")), lit(k.integer("saltBuckets"))))
                                .groupBy("country", "salt")
                                .agg(size(collect_set("user")).as("users"))
                                .groupBy("country")
                                .agg(sum("users").as("users"));
                    case "count-distinct" ->
                        events.groupBy("country").agg(countDistinct("user").as("users"));
                    default ->
                        events.groupBy("country").agg(size(collect_set("user")).as("users"));
                };
        List<Row> rows = run.collect(usersPerCountry);
        // lesson:end
        long users =
                rows.stream().mapToLong(r -> ((Number) r.get(1)).longValue()).sum();
        return users + " distinct users over " + rows.size() + " countries";
    }
}
