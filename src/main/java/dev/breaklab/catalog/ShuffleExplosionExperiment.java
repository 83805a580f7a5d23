package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** explode() before a join: the shuffle carries every generated row, many times the input. */
@Component
class ShuffleExplosionExperiment extends ExperimentBase {

    private static final String VIEWS = """
            CREATE TEMP VIEW items AS
            SELECT CAST(pmod(hash(id, item), ${products}) AS BIGINT) AS product
            FROM range(0, ${orders}, 1, 8) LATERAL VIEW explode(sequence(1, ${itemsPerOrder})) t AS item;
            CREATE TEMP VIEW catalog AS SELECT id AS product, pmod(id, 20) AS category FROM range(${products});
            """;

    ShuffleExplosionExperiment() {
        super(define("shuffle-explosion", ShuffleExplosionExperiment.class)
                .concepts(Concept.SHUFFLE, Concept.JOINS, Concept.SPARK_UI)
                .sql(
                        VIEWS
                                + "SELECT category, count(1) AS items FROM items JOIN catalog USING (product) GROUP BY category")
                .sql("fixed", VIEWS + """
                    SELECT category, sum(items) AS items
                    FROM (SELECT product, count(1) AS items FROM items GROUP BY product) per_product
                    JOIN catalog USING (product)
                    GROUP BY category""")
                .knob(IntegerKnob.of("orders", 50_000, 1_000, 10_000_000, "rows"))
                .knob(IntegerKnob.of("itemsPerOrder", 20, 1, 200, "items"))
                .knob(IntegerKnob.of("products", 1_000, 1, 1_000_000, "products"))
                .variant(Variants.shuffleJoin("broken").withConf("spark.sql.shuffle.partitions", "8"))
                .variant(Variants.shuffleJoin("fixed").withConf("spark.sql.shuffle.partitions", "8"))
                .question(Question.number("records-shuffled", RunQueries::shuffleRecordsWritten))
                .question(Questions.yesNo(
                        "bigger-than-input",
                        run -> RunQueries.shuffleRecordsWritten(run) > RunQueries.knob(run, "orders")))
                .evidence(Evidence.central("shuffle-explodes", Set.of("broken"), run -> {
                    long orders = RunQueries.knob(run, "orders");
                    long shuffled = RunQueries.shuffleRecordsWritten(run);
                    return Verdict.of(
                            shuffled >= 5 * orders,
                            "%s records (%s) shuffled for %s source rows (%.1fx)",
                            Figures.count(shuffled),
                            Figures.bytes(RunQueries.shuffleWritten(run)),
                            Figures.count(orders),
                            (double) shuffled / orders);
                }))
                .evidence(Evidence.of("generated-rows", Set.of("broken", "fixed"), run -> {
                    long generated = RunQueries.finalMetric(run, "Generate", "number of output rows");
                    long expected = RunQueries.knob(run, "orders") * RunQueries.knob(run, "itemsPerOrder");
                    return Verdict.of(
                            generated == expected,
                            "Generate output rows: %s (expected %s)",
                            Figures.count(generated),
                            Figures.count(expected));
                }))
                .evidence(Evidence.of("aggregated-first", Set.of("fixed"), run -> {
                    // per product: a row from each of the 8 source tasks and its catalog row; per
                    // category: a row from each of the 8 join tasks (the bound doubles those)
                    long bound = RunQueries.knob(run, "products") * (8 + 1) + 20 * 8 * 2;
                    long shuffled = RunQueries.shuffleRecordsWritten(run);
                    return Verdict.of(
                            shuffled <= bound,
                            "%s records shuffled; bound %s",
                            Figures.count(shuffled),
                            Figures.count(bound));
                }))
                .primaryFinding("shuffle-explosion"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        Dataset<Row> items = run.spark()
                .range(0, k.integer("orders"), 1, 8)
                .select(
                        col("id").as("order"),
                        explode(sequence(lit(1), lit(k.intValue("itemsPerOrder"))))
                                .as("item"))
                .select(pmod(hash(col("order"), col("item")), lit(k.integer("products")))
                        .as("product"));
        Dataset<Row> catalog = run.spark()
                .range(k.integer("products"))
                .select(col("id").as("product"), pmod(col("id"), lit(20)).as("category"));
        Dataset<Row> query = run.variant().equals("fixed")
                ? items.groupBy("product") // count per product first: a partial aggregate in each map task
                        .agg(count(lit(1)).as("items"))
                        .join(catalog, "product")
                        .groupBy("category")
                        .agg(sum("items").as("items"))
                : items.join(catalog, "product") // every line item crosses the join's shuffle
                        .groupBy("category")
                        .agg(count(lit(1)).as("items"));
        List<Row> rows = run.collect(query);
        // lesson:end
        return rows.stream().mapToLong(r -> r.getLong(1)).sum() + " items over " + rows.size() + " categories";
    }
}
