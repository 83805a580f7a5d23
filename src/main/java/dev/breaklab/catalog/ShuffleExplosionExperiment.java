package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sum;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.ExperimentDefinition.Code;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.Figures;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** explode() before a join: the shuffle carries every generated row, many times the input. */
@Component
class ShuffleExplosionExperiment implements Experiment {

    static final String ID = "shuffle-explosion";
    private static final int SOURCE_PARTITIONS = 8;
    private static final int CATEGORIES = 20;

    private static final ExperimentDefinition DEFINITION = new ExperimentDefinition(
            ID,
            "Shuffle explosion: multiply rows, then shuffle them",
            "Exploding every order into its line items before a join shuffles twenty times the input.",
            List.of(Concept.SHUFFLE, Concept.JOINS, Concept.SPARK_UI),
            """
            Narrow operations can make data bigger without anyone noticing: explode() turns an order \
            into one row per line item, a join against a table with duplicate keys (a price history \
            joined without its date condition, a many-to-many bridge table) turns one row into dozens. \
            As long as the rows stay in their partition that is CPU work. The bill arrives at the next \
            shuffle: every generated row is serialized, written to local disk, fetched over the network \
            and sorted, so the shuffle is a multiple of the input. This is the job that fills executors' \
            disks at three in the morning.

            Here every order is exploded into its line items and each item is joined to a products \
            table to count items per category. The broken variant joins the exploded rows, so the join's \
            shuffle carries all of them. The fixed variant does the same arithmetic but aggregates first: \
            items are counted per product right after the explode, inside each map task (the partial \
            aggregate), so at most one row per product and task reaches the shuffle, and the join sees a \
            table the size of the product catalog.

            In the lab, compare the shuffle's written records with the source rows. In the Spark UI, the \
            stage table's "Shuffle Write" column dwarfs the input of the same stage, and the SQL diagram \
            shows the Generate (explode) node's output rows feeding the Exchange. Aggregate, filter and \
            project before the shuffle; explode as late as you can.""",
            new Code("""
                    // spark.sql.adaptive.enabled=false, spark.sql.autoBroadcastJoinThreshold=-1,
                    // spark.sql.shuffle.partitions=8
                    Dataset<Row> items = spark.range(0, orders, 1, 8)
                        .select(col("id").as("order"), explode(sequence(lit(1), lit(itemsPerOrder))).as("item"))
                        .select(pmod(hash(col("order"), col("item")), lit(products)).as("product"));
                    Dataset<Row> catalog = spark.range(products)
                        .select(col("id").as("product"), pmod(col("id"), lit(20)).as("category"));

                    // broken: every line item crosses the join's shuffle
                    items.join(catalog, "product")
                        .groupBy("category").agg(count(lit(1)).as("items"));

                    // fixed: count per product first (partial aggregate before the shuffle), then join
                    items.groupBy("product").agg(count(lit(1)).as("items"))
                        .join(catalog, "product")
                        .groupBy("category").agg(sum("items").as("items"));""", """
                    SET spark.sql.adaptive.enabled = false;
                    SET spark.sql.autoBroadcastJoinThreshold = -1;
                    SET spark.sql.shuffle.partitions = 8;

                    CREATE TEMP VIEW items AS
                      SELECT pmod(hash(id, item), ${products}) AS product
                      FROM range(0, ${orders}, 1, 8)
                      LATERAL VIEW explode(sequence(1, ${itemsPerOrder})) t AS item;
                    CREATE TEMP VIEW catalog AS
                      SELECT id AS product, pmod(id, 20) AS category FROM range(${products});

                    -- broken
                    SELECT category, count(*) AS items FROM items JOIN catalog USING (product) GROUP BY category;

                    -- fixed
                    SELECT category, sum(items) AS items
                    FROM (SELECT product, count(*) AS items FROM items GROUP BY product) per_product
                    JOIN catalog USING (product)
                    GROUP BY category;"""),
            List.of(
                    IntegerKnob.of("orders", "Orders", 50_000, 1_000, 10_000_000, "rows", "Source rows"),
                    IntegerKnob.of(
                            "itemsPerOrder",
                            "Items per order",
                            20,
                            1,
                            200,
                            "items",
                            "Rows explode() makes of each order"),
                    IntegerKnob.of(
                            "products", "Products", 1_000, 1, 1_000_000, "products", "Rows in the products table")),
            List.of(
                    Variant.of("broken", "Explode, then join", "Every line item is shuffled for the join")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8"),
                    Variant.of("fixed", "Aggregate, then join", "Items are counted per product before the shuffle")
                            .withConf("spark.sql.adaptive.enabled", "false")
                            .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .withConf("spark.sql.shuffle.partitions", "8")),
            List.of(
                    Question.number(
                            "records-shuffled",
                            "How many records will the run's shuffles write in total?",
                            ShuffleExplosionExperiment::recordsShuffled),
                    Question.choice(
                            "bigger-than-input",
                            "Will the shuffles write more records than the source has rows?",
                            List.of("yes", "no"),
                            run -> recordsShuffled(run) > RunQueries.knob(run, "orders") ? "yes" : "no")),
            List.of(
                    Evidence.central(
                            "shuffle-explodes",
                            "The shuffle carries the exploded rows: it writes at least 5x as many records as the source has",
                            Set.of("broken"),
                            run -> {
                                long orders = RunQueries.knob(run, "orders");
                                long shuffled = recordsShuffled(run);
                                StageSnapshot map = heaviestWriter(run);
                                return Verdict.of(
                                        shuffled >= 5 * orders,
                                        "%s records shuffled for %s source rows (%.1fx); heaviest map stage %d wrote %s",
                                        Figures.count(shuffled),
                                        Figures.count(orders),
                                        (double) shuffled / orders,
                                        map.stageId(),
                                        Figures.bytes(map.shuffleWriteBytes()));
                            }),
                    Evidence.of(
                            "generated-rows",
                            "explode() multiplied the rows before any shuffle: the Generate node emits orders x items-per-order rows",
                            Set.of("broken", "fixed"),
                            run -> {
                                long generated = RunQueries.finalMetric(run, "Generate", "number of output rows");
                                long expected = RunQueries.knob(run, "orders") * RunQueries.knob(run, "itemsPerOrder");
                                return Verdict.of(
                                        generated == expected,
                                        "Generate output rows: %s (expected %s)",
                                        Figures.count(generated),
                                        Figures.count(expected));
                            }),
                    Evidence.of(
                            "aggregated-first",
                            "Aggregating first, the shuffles carry at most one row per product and map task (plus the small catalog side)",
                            Set.of("fixed"),
                            run -> {
                                long products = RunQueries.knob(run, "products");
                                long bound = products * (SOURCE_PARTITIONS + 1) + (long) CATEGORIES * 8 * 2;
                                long shuffled = recordsShuffled(run);
                                return Verdict.of(
                                        shuffled <= bound,
                                        "%s records shuffled; bound %s",
                                        Figures.count(shuffled),
                                        Figures.count(bound));
                            })),
            "embedded");

    @Override
    public ExperimentDefinition definition() {
        return DEFINITION;
    }

    static long recordsShuffled(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::shuffleWriteRecords)
                .sum();
    }

    static StageSnapshot heaviestWriter(RunSnapshot run) {
        return RunQueries.shuffleMapStages(run).stream()
                .max(java.util.Comparator.comparingLong(StageSnapshot::shuffleWriteBytes))
                .orElseThrow(() -> new IllegalStateException("no stage wrote shuffle data"));
    }

    @Override
    public String run(ExperimentRun run) {
        SparkSession spark = run.spark();
        KnobValues k = run.knobs();
        long products = k.integer("products");
        Dataset<Row> items = spark.range(0, k.integer("orders"), 1, SOURCE_PARTITIONS)
                .select(
                        col("id").as("order"),
                        explode(sequence(lit(1), lit(k.intValue("itemsPerOrder"))))
                                .as("item"))
                .select(pmod(hash(col("order"), col("item")), lit(products)).as("product"));
        Dataset<Row> catalog = spark.range(products)
                .select(
                        col("id").as("product"),
                        pmod(col("id"), lit(CATEGORIES)).as("category"));
        Dataset<Row> query;
        if ("fixed".equals(run.variant())) {
            query = items.groupBy("product")
                    .agg(count(lit(1)).as("items"))
                    .join(catalog, "product")
                    .groupBy("category")
                    .agg(sum("items").as("items"));
        } else {
            query = items.join(catalog, "product")
                    .groupBy("category")
                    .agg(count(lit(1)).as("items"));
        }
        List<Row> rows = run.collect(query);
        long total = rows.stream().mapToLong(r -> r.getLong(1)).sum();
        return total + " items over " + rows.size() + " categories";
    }
}
