package dev.breaklab.playground;

import dev.breaklab.engine.RunProblems;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Range;
import org.apache.spark.sql.catalyst.plans.logical.Repartition;
import org.apache.spark.sql.catalyst.plans.logical.RepartitionByExpression;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.springframework.web.ErrorResponseException;
import scala.Tuple3;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Decides whether a playground query may run, before anything runs: the text is parsed with
 * Spark's own parser, the parsed plan must be one read-only query over the lab's tables and {@code
 * range}, and only then is it analysed (on a session that has the lab's tables and nothing else)
 * and its limits checked on the analysed plan. Everything refused is a 400 problem naming the
 * field {@code playground.sql} and the construct ({@code construct}).
 *
 * <p>The parsed plan is checked against an allow-list of query operators, so a statement kind Spark
 * adds later is refused until someone looks at it. The checks run before analysis because analysis
 * itself is not harmless for every statement: it resolves file paths ({@code parquet.`/path`}),
 * loads classes for {@code reflect}, and {@code EXECUTE IMMEDIATE} runs its statement.
 */
final class Sandbox {

    static final String FIELD = "playground.sql";
    static final String ALLOWED =
            "one read-only query (SELECT, WITH, VALUES, TABLE) over region, nation, supplier, customer, part,"
                    + " partsupp, orders, lineitem and range(...)";

    /** Operators of the parsed plan a read-only query is made of. */
    private static final Set<String> QUERY_OPERATORS = Set.of(
            "Project",
            "Filter",
            "Aggregate",
            "Join",
            "LateralJoin",
            "Sort",
            "GlobalLimit",
            "LocalLimit",
            "Offset",
            "Tail",
            "Distinct",
            "Deduplicate",
            "Union",
            "Intersect",
            "Except",
            "SubqueryAlias",
            "UnresolvedRelation",
            "UnresolvedSubqueryColumnAliases",
            "UnresolvedWith",
            "OneRowRelation",
            "UnresolvedInlineTable",
            "LocalRelation",
            "WithWindowDefinition",
            "Window",
            "UnresolvedTableValuedFunction",
            "UnresolvedTVFAliases",
            "Generate",
            "Repartition",
            "RepartitionByExpression",
            "RebalancePartitions",
            "Sample",
            "UnresolvedHint",
            "UnresolvedHaving",
            "Pivot",
            "Unpivot",
            "Expand");

    /** Parsed-plan classes with a name a learner knows them by. */
    private static final Map<String, String> STATEMENTS = Map.ofEntries(
            Map.entry("InsertIntoStatement", "INSERT"),
            Map.entry("InsertIntoDir", "INSERT ... DIRECTORY"),
            Map.entry("LoadData", "LOAD DATA"),
            Map.entry("LoadDataCommand", "LOAD DATA"),
            Map.entry("AddJarsCommand", "ADD JAR"),
            Map.entry("AddFilesCommand", "ADD FILE"),
            Map.entry("AddArchivesCommand", "ADD ARCHIVE"),
            Map.entry("CreateFunction", "CREATE FUNCTION"),
            Map.entry("CreateUserDefinedFunction", "CREATE FUNCTION"),
            Map.entry("CreateFunctionCommand", "CREATE FUNCTION"),
            Map.entry("SetCommand", "SET"),
            Map.entry("ResetCommand", "RESET"),
            Map.entry("SetVariable", "SET VARIABLE"),
            Map.entry("CreateVariable", "DECLARE VARIABLE"),
            Map.entry("ExecuteImmediateQuery", "EXECUTE IMMEDIATE"),
            Map.entry("UnresolvedExecuteImmediate", "EXECUTE IMMEDIATE"),
            Map.entry("ScriptTransformation", "TRANSFORM ... USING (a script)"),
            Map.entry("CacheTableStatement", "CACHE TABLE"),
            Map.entry("CacheTable", "CACHE TABLE"),
            Map.entry("CacheTableAsSelect", "CACHE TABLE"),
            Map.entry("UncacheTable", "UNCACHE TABLE"),
            Map.entry("ExplainCommand", "EXPLAIN"),
            Map.entry("SetCatalogAndNamespace", "USE"),
            Map.entry("SetNamespaceCommand", "USE"),
            Map.entry("DescribeRelation", "DESCRIBE"),
            Map.entry("DescribeColumn", "DESCRIBE"),
            Map.entry("CreateSQLFunctionCommand", "CREATE FUNCTION"),
            Map.entry("CompoundBody", "a SQL script (BEGIN ... END)"),
            Map.entry("PlanWithUnresolvedIdentifier", "IDENTIFIER(...)"));

    /**
     * Built-in functions that reach the JVM or the file system, from Spark 4.2's FunctionRegistry:
     * Java reflection, the input file of the row, XML parsers (external entities), the Avro and
     * Protobuf converters (a descriptor file path), and the lab-internal distributed id helpers.
     */
    static final Set<String> REFUSED_FUNCTIONS = Set.of(
            "reflect",
            "java_method",
            "try_reflect",
            "input_file_name",
            "input_file_block_start",
            "input_file_block_length",
            "xpath",
            "xpath_boolean",
            "xpath_double",
            "xpath_float",
            "xpath_int",
            "xpath_long",
            "xpath_number",
            "xpath_short",
            "xpath_string",
            "from_xml",
            "schema_of_xml",
            "from_avro",
            "to_avro",
            "schema_of_avro",
            "from_protobuf",
            "to_protobuf");

    /** Data source names Spark accepts as {@code format.`path`} (SQL on files). */
    private static final Set<String> FILE_FORMATS =
            Set.of("parquet", "json", "csv", "orc", "text", "avro", "binaryfile", "xml", "delta", "hive", "jdbc");

    /** Leaves an analysed playground query may read. */
    private static final Set<String> ANALYSED_LEAVES =
            Set.of("LogicalRelation", "Range", "LocalRelation", "OneRowRelation", "CTERelationRef");

    private final PlaygroundProperties limits;
    private final Set<String> tables;

    Sandbox(PlaygroundProperties limits, List<String> tables) {
        this.limits = limits;
        this.tables = Set.copyOf(tables);
    }

    /**
     * Parses and checks {@code sql}, then analyses it on {@code session} (which must have the lab's
     * tables registered and nothing else).
     *
     * @return the analysed query, not yet run
     * @throws ErrorResponseException 400 naming the construct refused
     */
    Dataset<Row> check(SparkSession session, String sql) {
        if (sql == null || sql.isBlank()) {
            throw refused("an empty query", "playground.sql is required");
        }
        if (sql.length() > limits.maxSqlLength()) {
            throw refused(
                    "a query of " + sql.length() + " characters",
                    "the query is " + sql.length() + " characters long; at most " + limits.maxSqlLength()
                            + " are allowed");
        }
        LogicalPlan parsed = parse(session, sql);
        checkParsed(parsed, new HashSet<>());
        Dataset<Row> query;
        try {
            // A query (checked above): Spark analyses it now and runs it only on an action.
            query = session.sql(sql);
        } catch (Exception e) {
            String condition = e instanceof SparkThrowable st && st.getCondition() != null
                    ? st.getCondition()
                    : e.getClass().getSimpleName();
            throw refused(condition, "Spark cannot analyse the query: " + firstLine(e.getMessage()));
        }
        checkAnalysed(query.queryExecution().analyzed());
        return query;
    }

    private LogicalPlan parse(SparkSession session, String sql) {
        int end = firstStatementEnd(sql);
        if (end > 0 && !sql.substring(end + 1).replace(";", "").isBlank() && parses(session, sql.substring(0, end))) {
            throw refused(
                    "more than one statement",
                    "the text holds more than one statement (separated by ';'); the playground runs one query");
        }
        try {
            return session.sessionState().sqlParser().parsePlan(sql);
        } catch (ParseException e) {
            throw refused("a syntax error", "Spark cannot parse the query: " + firstLine(e.getMessage()));
        }
    }

    private static boolean parses(SparkSession session, String sql) {
        try {
            session.sessionState().sqlParser().parsePlan(sql);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void checkParsed(LogicalPlan plan, Set<String> ctes) {
        String kind = plan.getClass().getSimpleName();
        if (!QUERY_OPERATORS.contains(kind)) {
            String construct = STATEMENTS.getOrDefault(kind, statementName(kind));
            throw refused(construct, construct + " is not allowed: the playground runs one read-only query");
        }
        Set<String> visible = new HashSet<>(ctes);
        if (plan instanceof UnresolvedWith with) {
            for (Tuple3<String, ?, ?> cte : CollectionConverters.asJava(with.cteRelations())) {
                visible.add(cte._1().toLowerCase(Locale.ROOT));
                checkParsed((LogicalPlan) cte._2(), visible);
            }
        }
        if (plan instanceof UnresolvedRelation relation) {
            checkRelation(CollectionConverters.asJava(relation.multipartIdentifier()), visible);
        }
        if (plan instanceof UnresolvedTableValuedFunction tvf) {
            List<String> name = CollectionConverters.asJava(tvf.name());
            if (name.size() != 1 || !name.get(0).equalsIgnoreCase("range")) {
                String n = String.join(".", name);
                throw refused(
                        "table function " + n,
                        "the table function " + n + " is not allowed; range(...) is the only one");
            }
        }
        for (Expression expression : CollectionConverters.asJava(plan.expressions())) {
            checkExpression(expression, visible);
        }
        for (LogicalPlan child : CollectionConverters.asJava(plan.children())) {
            checkParsed(child, visible);
        }
    }

    private void checkRelation(List<String> name, Set<String> ctes) {
        String full = String.join(".", name);
        if (name.size() == 2
                && (FILE_FORMATS.contains(name.get(0).toLowerCase(Locale.ROOT))
                        || name.get(1).contains("/"))) {
            throw refused(
                    "SQL on files (" + name.get(0) + ".`...`)",
                    "reading files with " + name.get(0) + ".`" + name.get(1)
                            + "` is not allowed: the playground reads only the lab's tables");
        }
        String table = name.get(name.size() - 1).toLowerCase(Locale.ROOT);
        if (name.size() == 1 && (tables.contains(table) || ctes.contains(table))) {
            return;
        }
        throw refused(
                "unknown table " + full,
                "the table " + full + " is not one of the lab's tables (" + String.join(", ", TpchData.names())
                        + ", or a WITH query of your own)");
    }

    private void checkExpression(Expression expression, Set<String> ctes) {
        if (expression instanceof UnresolvedFunction function) {
            List<String> name = CollectionConverters.asJava(function.nameParts());
            String last = name.get(name.size() - 1).toLowerCase(Locale.ROOT);
            if (name.size() > 1) {
                throw refused(
                        "function " + String.join(".", name),
                        "functions from a catalog are not allowed; use Spark's built-in functions");
            }
            if (REFUSED_FUNCTIONS.contains(last)) {
                throw refused(
                        "function " + last,
                        "the function " + last + " is not allowed: it reaches the JVM or the file system");
            }
        }
        if (expression instanceof SubqueryExpression subquery) {
            checkParsed(subquery.plan(), ctes);
        }
        for (Expression child : CollectionConverters.asJava(expression.children())) {
            checkExpression(child, ctes);
        }
    }

    private void checkAnalysed(LogicalPlan plan) {
        List<LogicalPlan> todo = new ArrayList<>(List.of(plan));
        while (!todo.isEmpty()) {
            LogicalPlan node = todo.remove(todo.size() - 1);
            String kind = node.getClass().getSimpleName();
            if (node.children().isEmpty() && !ANALYSED_LEAVES.contains(kind)) {
                throw refused(kind, kind + " is not allowed in a playground query");
            }
            if (node instanceof Range range) {
                long rows = rangeRows(range.start(), range.end(), range.step());
                if (rows > limits.maxRangeRows()) {
                    throw refused(
                            "range of " + rows + " rows",
                            "range(...) produces " + rows + " rows; at most " + limits.maxRangeRows() + " are allowed");
                }
                if (range.numSlices().isDefined()) {
                    partitions((Integer) range.numSlices().get(), "range(...)'s partitions");
                }
            }
            if (node instanceof Repartition repartition) {
                partitions(repartition.numPartitions(), "REPARTITION / COALESCE");
            }
            if (node instanceof RepartitionByExpression repartition
                    && repartition.optNumPartitions().isDefined()) {
                partitions((Integer) repartition.optNumPartitions().get(), "REPARTITION");
            }
            todo.addAll(CollectionConverters.asJava(node.children()));
            todo.addAll(CollectionConverters.asJava(node.subqueries()));
        }
    }

    private void partitions(int n, String what) {
        if (n < 1 || n > limits.maxShufflePartitions()) {
            throw refused(
                    what + " with " + n + " partitions",
                    what + " asks for " + n + " partitions; from 1 to " + limits.maxShufflePartitions()
                            + " are allowed");
        }
    }

    static long rangeRows(long start, long end, long step) {
        if (step == 0) {
            return 0;
        }
        java.math.BigInteger n = java.math.BigInteger.valueOf(end)
                .subtract(java.math.BigInteger.valueOf(start))
                .divide(java.math.BigInteger.valueOf(step));
        return n.signum() < 0
                ? 0
                : n.min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }

    /** The index of the first ';' outside quotes, back-quotes and comments, or -1. */
    static int firstStatementEnd(String sql) {
        char quote = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (quote != 0) {
                if (c == '\\' && quote != '`') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '-' && sql.startsWith("--", i)) {
                int nl = sql.indexOf('\n', i);
                i = nl < 0 ? sql.length() : nl;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                int close = sql.indexOf("*/", i + 2);
                i = close < 0 ? sql.length() : close + 1;
            } else if (c == ';') {
                return i;
            }
        }
        return -1;
    }

    /** {@code CreateTable} -> "CREATE TABLE", {@code DropViewCommand} -> "DROP VIEW". */
    static String statementName(String kind) {
        String base = kind.replaceAll("(Command|Statement|Exec)$", "");
        return base.replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl);
    }

    static ErrorResponseException refused(String construct, String detail) {
        ErrorResponseException e = RunProblems.invalid(FIELD, detail, ALLOWED);
        e.getBody().setProperty("construct", construct);
        return e;
    }
}
