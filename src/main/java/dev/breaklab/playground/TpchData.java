package dev.breaklab.playground;

import dev.breaklab.system.LabProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The TPC-H tables every playground query reads: generated with Spark on first use at a small
 * scale factor, written once as Parquet under {@code <data-dir>/playground/}, and registered as
 * temporary views on each playground run's own session.
 *
 * <p>The values follow TPC-H's column names, types and value domains (market segments, region
 * names, order priorities, ship modes, date ranges, the part/supplier key formula of partsupp) but
 * come from hashes of the row number instead of dbgen's generator: deterministic, and fast enough
 * to build in seconds. One knob departs from TPC-H on purpose: a share of all orders belongs to one
 * hot customer, so joins and aggregations on the customer key are skewed.
 */
@Component
public class TpchData {

    private static final Logger log = LoggerFactory.getLogger(TpchData.class);
    private static final String ROW_COUNTS = "rows.properties";

    /** The customer that owns {@link PlaygroundProperties#hotCustomerShare()} of all orders. */
    public static final long HOT_CUSTOMER = 42;

    /** A table: its name, its schema as Spark DDL, and what the page says about it. */
    record Table(String name, String ddl, String notes) {}

    /** What {@code GET /api/playground/tables} lists; {@code rows} is null until the tables exist. */
    public record TableInfo(String name, List<Column> columns, Long rows, String notes) {}

    /** Where the generated tables are: not asked for yet, being generated, ready, or failed. */
    public enum State {
        NOT_STARTED,
        GENERATING,
        READY,
        FAILED
    }

    /** The tables' state, how many of them are written, and why generating them failed. */
    public record Status(State state, int tablesDone, int tablesTotal, String error) {}

    public record Column(String name, String type) {}

    static final List<Table> TABLES = List.of(
            new Table("region", "r_regionkey BIGINT, r_name STRING, r_comment STRING", "5 regions, as in TPC-H"),
            new Table(
                    "nation",
                    "n_nationkey BIGINT, n_name STRING, n_regionkey BIGINT, n_comment STRING",
                    "25 nations, as in TPC-H"),
            new Table(
                    "supplier",
                    "s_suppkey BIGINT, s_name STRING, s_address STRING, s_nationkey BIGINT, s_phone STRING,"
                            + " s_acctbal DECIMAL(12,2), s_comment STRING",
                    "10,000 x scale factor"),
            new Table(
                    "customer",
                    "c_custkey BIGINT, c_name STRING, c_address STRING, c_nationkey BIGINT, c_phone STRING,"
                            + " c_acctbal DECIMAL(12,2), c_mktsegment STRING, c_comment STRING",
                    "150,000 x scale factor"),
            new Table(
                    "part",
                    "p_partkey BIGINT, p_name STRING, p_mfgr STRING, p_brand STRING, p_type STRING, p_size INT,"
                            + " p_container STRING, p_retailprice DECIMAL(12,2), p_comment STRING",
                    "200,000 x scale factor"),
            new Table(
                    "partsupp",
                    "ps_partkey BIGINT, ps_suppkey BIGINT, ps_availqty INT, ps_supplycost DECIMAL(12,2),"
                            + " ps_comment STRING",
                    "4 suppliers per part"),
            new Table(
                    "orders",
                    "o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus STRING, o_totalprice DECIMAL(12,2),"
                            + " o_orderdate DATE, o_orderpriority STRING, o_clerk STRING, o_shippriority INT,"
                            + " o_comment STRING",
                    "1,500,000 x scale factor"),
            new Table(
                    "lineitem",
                    "l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INT,"
                            + " l_quantity DECIMAL(12,2), l_extendedprice DECIMAL(12,2), l_discount DECIMAL(12,2),"
                            + " l_tax DECIMAL(12,2), l_returnflag STRING, l_linestatus STRING, l_shipdate DATE,"
                            + " l_commitdate DATE, l_receiptdate DATE, l_shipinstruct STRING, l_shipmode STRING,"
                            + " l_comment STRING",
                    "1 to 7 line items per order (about 4)"));

    /** Asked for at use: the lab's start-up never waits for Spark (engine/SparkStarter). */
    private final ObjectProvider<SparkSession> spark;

    private final PlaygroundProperties properties;
    private final Path dir;
    private volatile Map<String, Long> rows;
    /** Generation runs here, never on a request thread: at scale factor 0.01 it takes seconds, more at 1. */
    private final ExecutorService generator = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "tpch-generator");
        thread.setDaemon(true);
        return thread;
    });

    private final AtomicInteger tablesDone = new AtomicInteger();
    private volatile boolean started;
    private volatile String failure;

    public TpchData(ObjectProvider<SparkSession> spark, PlaygroundProperties properties, LabProperties lab) {
        this.spark = spark;
        this.properties = properties;
        this.dir = lab.dataDir()
                .toAbsolutePath()
                .resolve("playground")
                .resolve(String.format(
                        Locale.ROOT, "tpch-sf%s-hot%s", properties.scaleFactor(), properties.hotCustomerShare()));
    }

    public static List<String> names() {
        return TABLES.stream().map(Table::name).toList();
    }

    /**
     * The tables with their columns, and their row counts once they exist. The first call starts
     * generating them in the background and returns at once (rows null; see {@link #status()}).
     */
    public List<TableInfo> tables() {
        Map<String, Long> counts = available().orElse(null);
        List<TableInfo> out = new ArrayList<>();
        for (Table table : TABLES) {
            List<Column> columns = new ArrayList<>();
            for (StructField field : StructType.fromDDL(table.ddl()).fields()) {
                columns.add(new Column(field.name(), field.dataType().sql()));
            }
            out.add(new TableInfo(
                    table.name(),
                    columns,
                    counts == null ? null : counts.getOrDefault(table.name(), 0L),
                    notes(table)));
        }
        return out;
    }

    private String notes(Table table) {
        String notes = table.notes() + " (scale factor " + properties.scaleFactor() + ")";
        if (table.name().equals("orders") && properties.hotCustomerShare() > 0) {
            notes += String.format(
                    Locale.ROOT,
                    "; skewed: %.0f%% of all orders have o_custkey = %d, so joins and aggregations on the"
                            + " customer key have one hot key",
                    properties.hotCustomerShare() * 100,
                    HOT_CUSTOMER);
        }
        if (table.name().equals("lineitem") && properties.hotCustomerShare() > 0) {
            notes += "; the hot customer's orders carry their line items with them";
        }
        return notes;
    }

    /** Registers every table as a temporary view of {@code session} (reading the Parquet files, no job). */
    public void register(SparkSession session) {
        ensure();
        for (Table table : TABLES) {
            // An explicit schema: inferring it from the Parquet footers would run a Spark job
            // inside the learner's run and count as a stage of their query.
            session.read()
                    .schema(table.ddl())
                    .parquet(dir.resolve(table.name()).toString())
                    .createOrReplaceTempView(table.name());
        }
    }

    /**
     * The row counts if the tables exist (read from disk when an earlier lab generated them);
     * otherwise starts generating them in the background (once) and returns empty.
     */
    public Optional<Map<String, Long>> available() {
        if (rows != null || Files.exists(dir.resolve(ROW_COUNTS))) {
            return Optional.of(ensure());
        }
        start();
        return Optional.empty();
    }

    /** Starts generating the tables on the generator thread, unless that is done or under way. */
    public synchronized Status start() {
        if (rows == null && (!started || failure != null)) {
            started = true;
            failure = null;
            tablesDone.set(0);
            generator.execute(() -> {
                try {
                    ensure();
                } catch (RuntimeException e) {
                    failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                    log.warn("Generating the playground's TPC-H tables failed", e);
                }
            });
        }
        return status();
    }

    public Status status() {
        if (rows != null) {
            return new Status(State.READY, TABLES.size(), TABLES.size(), null);
        }
        if (failure != null) {
            return new Status(State.FAILED, tablesDone.get(), TABLES.size(), failure);
        }
        return new Status(started ? State.GENERATING : State.NOT_STARTED, tablesDone.get(), TABLES.size(), null);
    }

    /**
     * Generates the tables once and returns their row counts, waiting for them: for the generator
     * thread, runs (which start only once the tables exist) and tests, never a request thread.
     */
    public Map<String, Long> ensure() {
        Map<String, Long> known = rows;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (rows == null) {
                rows = loadOrGenerate();
            }
            return rows;
        }
    }

    private Map<String, Long> loadOrGenerate() {
        Path counts = dir.resolve(ROW_COUNTS);
        try {
            if (!Files.exists(counts)) {
                generate();
            }
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(counts)) {
                p.load(in);
            }
            Map<String, Long> out = new LinkedHashMap<>();
            for (Table table : TABLES) {
                out.put(table.name(), Long.parseLong(p.getProperty(table.name(), "0")));
            }
            return Map.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void generate() throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        SparkSession session = spark.getObject().newSession();
        session.conf().set("spark.sql.shuffle.partitions", "4");
        session.conf().set("spark.sql.adaptive.enabled", "true");
        double sf = properties.scaleFactor();
        long suppliers = Math.max(10, Math.round(10_000 * sf));
        long customers = Math.max(150, Math.round(150_000 * sf));
        long parts = Math.max(200, Math.round(200_000 * sf));
        long orders = Math.max(1_500, Math.round(1_500_000 * sf));
        int hotPerMille = (int) Math.round(properties.hotCustomerShare() * 1000);
        Properties counts = new Properties();
        for (Table table : TABLES) {
            String sql = TpchSql.of(table.name(), suppliers, customers, parts, orders, HOT_CUSTOMER, hotPerMille);
            var data = session.sql(sql);
            // Big tables get two files, so a scan of them runs more than one task.
            int files = table.name().equals("lineitem") || table.name().equals("orders") ? 2 : 1;
            data.repartition(files)
                    .write()
                    .mode("overwrite")
                    .parquet(tmp.resolve(table.name()).toString());
            long n = session.read()
                    .schema(table.ddl())
                    .parquet(tmp.resolve(table.name()).toString())
                    .count();
            counts.setProperty(table.name(), Long.toString(n));
            tablesDone.incrementAndGet();
        }
        try (OutputStream out = Files.newOutputStream(tmp.resolve(ROW_COUNTS))) {
            counts.store(out, "TPC-H tables generated by the Spark Break Lab playground");
        }
        deleteRecursively(dir);
        Files.createDirectories(dir.getParent());
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
