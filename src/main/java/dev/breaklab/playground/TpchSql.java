package dev.breaklab.playground;

import java.util.Locale;

/**
 * The Spark SQL that generates each TPC-H table from {@code range}. Every "random" value is a hash
 * of the row's key and a salt, so the same scale factor always gives the same data.
 */
final class TpchSql {

    private TpchSql() {}

    private static final String NATIONS = "array("
            + "('ALGERIA',0),('ARGENTINA',1),('BRAZIL',1),('CANADA',1),('EGYPT',4),('ETHIOPIA',0),('FRANCE',3),"
            + "('GERMANY',3),('INDIA',2),('INDONESIA',2),('IRAN',4),('IRAQ',4),('JAPAN',2),('JORDAN',4),"
            + "('KENYA',0),('MOROCCO',0),('MOZAMBIQUE',0),('PERU',1),('CHINA',2),('ROMANIA',3),"
            + "('SAUDI ARABIA',4),('VIETNAM',2),('RUSSIA',3),('UNITED KINGDOM',3),('UNITED STATES',1))";

    /** {@code pmod(hash, n)}: a value from 0 to n - 1 drawn from the key and a salt. */
    private static String r(String key, String salt, long n) {
        return String.format(Locale.ROOT, "pmod(xxhash64(%s, '%s'), %d)", key, salt, n);
    }

    /** Picks one of {@code words} (a SQL array literal's items) by hash. */
    private static String pick(String key, String salt, String... words) {
        StringBuilder array = new StringBuilder("array(");
        for (int i = 0; i < words.length; i++) {
            array.append(i == 0 ? "" : ",").append('\'').append(words[i]).append('\'');
        }
        return "element_at(" + array + "), int(" + r(key, salt, words.length) + ") + 1)";
    }

    private static String money(String key, String salt, long minCents, long maxCents) {
        return "CAST((" + minCents + " + " + r(key, salt, maxCents - minCents + 1) + ") / 100 AS DECIMAL(12,2))";
    }

    private static String comment(String key, String salt) {
        return "concat(" + pick(key, salt + "1", "carefully", "quickly", "slyly", "furiously", "blithely", "boldly")
                + ", ' ', " + pick(key, salt + "2", "final", "regular", "express", "pending", "ironic", "special")
                + ", ' ', "
                + pick(key, salt + "3", "deposits", "requests", "accounts", "packages", "foxes", "theodolites")
                + ")";
    }

    private static String phone(String nationKey, String key) {
        return "concat(" + nationKey + " + 10, '-', lpad(string(100 + " + r(key, "ph1", 900) + "), 3, '0'), '-',"
                + " lpad(string(100 + " + r(key, "ph2", 900) + "), 3, '0'), '-', lpad(string(1000 + "
                + r(key, "ph3", 9000) + "), 4, '0'))";
    }

    /** TPC-H's supplier of the i-th (0..3) supplier slot of a part. */
    private static String suppkey(String partkey, String i, long suppliers) {
        return String.format(
                Locale.ROOT,
                "pmod(%1$s + (%2$s * (%3$d div 4 + (%1$s - 1) div %3$d)), %3$d) + 1",
                partkey,
                i,
                suppliers);
    }

    private static String retailPrice(String partkey) {
        return "CAST((90000 + pmod(" + partkey + " div 10, 20001) + 100 * pmod(" + partkey
                + ", 1000)) / 100 AS DECIMAL(12,2))";
    }

    static String of(
            String table, long suppliers, long customers, long parts, long orders, long hotCustomer, int hotPerMille) {
        return switch (table) {
            case "region" -> """
                    SELECT CAST(id AS BIGINT) AS r_regionkey,
                           element_at(array('AFRICA','AMERICA','ASIA','EUROPE','MIDDLE EAST'), int(id) + 1) AS r_name,
                           %s AS r_comment
                    FROM range(5)""".formatted(comment("id", "rc"));
            case "nation" -> """
                    SELECT CAST(id AS BIGINT) AS n_nationkey,
                           element_at(%1$s, int(id) + 1).col1 AS n_name,
                           CAST(element_at(%1$s, int(id) + 1).col2 AS BIGINT) AS n_regionkey,
                           %2$s AS n_comment
                    FROM range(25)""".formatted(NATIONS, comment("id", "nc"));
            case "supplier" ->
                """
                    SELECT id AS s_suppkey,
                           concat('Supplier#', lpad(string(id), 9, '0')) AS s_name,
                           substr(sha1(string(id)), 1, 20) AS s_address,
                           %1$s AS s_nationkey,
                           %2$s AS s_phone,
                           %3$s AS s_acctbal,
                           %4$s AS s_comment
                    FROM range(1, %5$d)""".formatted(
                                r("id", "sn", 25),
                                phone(r("id", "sn", 25), "id"),
                                money("id", "sb", -99_999, 999_999),
                                comment("id", "sc"),
                                suppliers + 1);
            case "customer" ->
                """
                    SELECT id AS c_custkey,
                           concat('Customer#', lpad(string(id), 9, '0')) AS c_name,
                           substr(sha1(string(id)), 1, 20) AS c_address,
                           %1$s AS c_nationkey,
                           %2$s AS c_phone,
                           %3$s AS c_acctbal,
                           %4$s AS c_mktsegment,
                           %5$s AS c_comment
                    FROM range(1, %6$d)""".formatted(
                                r("id", "cn", 25),
                                phone(r("id", "cn", 25), "id"),
                                money("id", "cb", -99_999, 999_999),
                                pick("id", "cm", "AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"),
                                comment("id", "cc"),
                                customers + 1);
            case "part" ->
                """
                    SELECT id AS p_partkey,
                           concat_ws(' ', %1$s, %2$s, %3$s) AS p_name,
                           concat('Manufacturer#', 1 + %4$s) AS p_mfgr,
                           concat('Brand#', 1 + %4$s, 1 + %5$s) AS p_brand,
                           concat_ws(' ', %6$s, %7$s, %8$s) AS p_type,
                           int(1 + %9$s) AS p_size,
                           concat(%10$s, ' ', %11$s) AS p_container,
                           %12$s AS p_retailprice,
                           %13$s AS p_comment
                    FROM range(1, %14$d)""".formatted(
                                pick(
                                        "id",
                                        "pn1",
                                        "almond",
                                        "antique",
                                        "aquamarine",
                                        "azure",
                                        "beige",
                                        "bisque",
                                        "black",
                                        "blue",
                                        "blush",
                                        "brown",
                                        "burlywood",
                                        "chartreuse",
                                        "chocolate",
                                        "coral",
                                        "cornflower"),
                                pick(
                                        "id",
                                        "pn2",
                                        "cream",
                                        "cyan",
                                        "dark",
                                        "deep",
                                        "dim",
                                        "dodger",
                                        "drab",
                                        "firebrick",
                                        "forest",
                                        "frosted",
                                        "gainsboro",
                                        "ghost",
                                        "goldenrod",
                                        "green",
                                        "grey"),
                                pick(
                                        "id",
                                        "pn3",
                                        "honeydew",
                                        "hot",
                                        "indian",
                                        "ivory",
                                        "khaki",
                                        "lace",
                                        "lavender",
                                        "lawn",
                                        "lemon",
                                        "light",
                                        "lime",
                                        "linen",
                                        "magenta",
                                        "maroon",
                                        "medium"),
                                r("id", "pm", 5),
                                r("id", "pb", 5),
                                pick("id", "pt1", "STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"),
                                pick("id", "pt2", "ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"),
                                pick("id", "pt3", "TIN", "NICKEL", "BRASS", "STEEL", "COPPER"),
                                r("id", "ps", 50),
                                pick("id", "pc1", "SM", "LG", "MED", "JUMBO", "WRAP"),
                                pick("id", "pc2", "CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"),
                                retailPrice("id"),
                                comment("id", "pcm"),
                                parts + 1);
            case "partsupp" ->
                """
                    SELECT p.id AS ps_partkey,
                           %1$s AS ps_suppkey,
                           int(1 + %2$s) AS ps_availqty,
                           %3$s AS ps_supplycost,
                           %4$s AS ps_comment
                    FROM range(1, %5$d) p CROSS JOIN range(4) s""".formatted(
                                suppkey("p.id", "s.id", suppliers),
                                r("p.id * 4 + s.id", "pa", 9999),
                                money("p.id * 4 + s.id", "psc", 100, 100_000),
                                comment("p.id * 4 + s.id", "psm"),
                                parts + 1);
            case "orders" ->
                """
                    SELECT id AS o_orderkey,
                           CASE WHEN %1$s < %2$d THEN CAST(%3$d AS BIGINT) ELSE 1 + %4$s END AS o_custkey,
                           CASE WHEN o_orderdate > DATE'1995-06-17' THEN 'O'
                                WHEN o_orderdate < DATE'1995-01-01' THEN 'F' ELSE 'P' END AS o_orderstatus,
                           %5$s AS o_totalprice,
                           o_orderdate,
                           %6$s AS o_orderpriority,
                           concat('Clerk#', lpad(string(1 + %7$s), 9, '0')) AS o_clerk,
                           0 AS o_shippriority,
                           %8$s AS o_comment
                    FROM (SELECT id, date_add(DATE'1992-01-01', int(%9$s)) AS o_orderdate FROM range(1, %10$d))
                    """.formatted(
                                r("id", "oh", 1000),
                                hotPerMille,
                                hotCustomer,
                                r("id", "oc", customers),
                                money("id", "ot", 90_000, 50_000_000),
                                pick("id", "op", "1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"),
                                r("id", "ok", Math.max(1, orders / 1000)),
                                comment("id", "ocm"),
                                r("id", "od", 2406),
                                orders + 1);
            case "lineitem" ->
                """
                    SELECT l_orderkey, l_partkey,
                           %1$s AS l_suppkey,
                           l_linenumber, l_quantity,
                           CAST(l_quantity * %2$s AS DECIMAL(12,2)) AS l_extendedprice,
                           CAST(%3$s / 100 AS DECIMAL(12,2)) AS l_discount,
                           CAST(%4$s / 100 AS DECIMAL(12,2)) AS l_tax,
                           CASE WHEN l_receiptdate <= DATE'1995-06-17' THEN %5$s ELSE 'N' END AS l_returnflag,
                           CASE WHEN l_shipdate > DATE'1995-06-17' THEN 'O' ELSE 'F' END AS l_linestatus,
                           l_shipdate, l_commitdate, l_receiptdate,
                           %6$s AS l_shipinstruct,
                           %7$s AS l_shipmode,
                           %8$s AS l_comment
                    FROM (
                      SELECT l_orderkey, l_partkey, l_linenumber, l_quantity, l_shipdate, l_commitdate,
                             date_add(l_shipdate, int(1 + %9$s)) AS l_receiptdate, k
                      FROM (
                        SELECT l_orderkey, 1 + %10$s AS l_partkey, n AS l_linenumber,
                               CAST(1 + %11$s AS DECIMAL(12,2)) AS l_quantity,
                               date_add(o_orderdate, int(1 + %12$s)) AS l_shipdate,
                               date_add(o_orderdate, int(30 + %13$s)) AS l_commitdate,
                               k
                        FROM (
                          SELECT o.o_orderkey AS l_orderkey, o.o_orderdate, n, o.o_orderkey * 8 + n AS k
                          FROM (SELECT id AS o_orderkey, date_add(DATE'1992-01-01', int(%14$s)) AS o_orderdate,
                                       int(1 + %15$s) AS lines
                                FROM range(1, %16$d)) o
                          LATERAL VIEW explode(sequence(1, o.lines)) t AS n)))""".formatted(
                                suppkey("l_partkey", r("k", "ls", 4), suppliers),
                                retailPrice("l_partkey"),
                                r("k", "ld", 11),
                                r("k", "lt", 9),
                                pick("k", "lr", "R", "A"),
                                pick("k", "li", "DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"),
                                pick("k", "lm", "REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"),
                                comment("k", "lc"),
                                r("k", "lrd", 30),
                                r("k", "lp", parts),
                                r("k", "lq", 50),
                                r("k", "lsd", 121),
                                r("k", "lcd", 61),
                                r("id", "od", 2406),
                                r("id", "ol", 7),
                                orders + 1);
            default -> throw new IllegalArgumentException("no TPC-H table " + table);
        };
    }
}
