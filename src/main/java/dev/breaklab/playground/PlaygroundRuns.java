package dev.breaklab.playground;

import dev.breaklab.catalog.Concept;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.KnobValues;
import dev.breaklab.catalog.Question;
import dev.breaklab.catalog.Questions;
import dev.breaklab.catalog.Variant;
import dev.breaklab.engine.RunProblems;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.ValidatedRun;
import dev.breaklab.plan.PlanDiff;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SqlSnapshot;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Turns {@code POST /api/runs {"playground": {...}}} into a run the engine queues: the settings
 * from the playground's short list, the query through the {@link Sandbox} (parsed and analysed, not
 * run), the predictions against the playground's questions. Everything is checked before the run
 * exists; bad input is a 400 problem naming the field.
 */
@Component
public class PlaygroundRuns {

    public static final String EXPERIMENT_ID = "playground";
    public static final String VARIANT = "query";

    /** The settings a playground run may choose, by Spark key: what each is and what it accepts. */
    public enum Setting {
        AQE("spark.sql.adaptive.enabled", "true or false"),
        SKEW_JOIN("spark.sql.adaptive.skewJoin.enabled", "true or false"),
        BROADCAST_THRESHOLD(
                "spark.sql.autoBroadcastJoinThreshold", "bytes from -1 (never broadcast) to 104857600 (100 MB)"),
        SHUFFLE_PARTITIONS("spark.sql.shuffle.partitions", "an integer from 1 to the lab's limit");

        final String key;
        final String allowed;

        Setting(String key, String allowed) {
            this.key = key;
            this.allowed = allowed;
        }

        public String key() {
            return key;
        }
    }

    /** Set on every playground session, whatever the form says: no SQL on file paths. */
    static final Map<String, String> FORCED = Map.of("spark.sql.runSQLOnFiles", "false");

    private static final long MAX_BROADCAST_THRESHOLD = 100L * 1024 * 1024;

    /** Asked for at use: the lab's start-up never waits for Spark (engine/SparkStarter). */
    private final ObjectProvider<SparkSession> spark;

    private final TpchData tpch;
    private final PlaygroundProperties limits;
    private final Sandbox sandbox;
    private final Map<RunRequest.Playground, ExperimentDefinition> definitions = new ConcurrentHashMap<>();

    public PlaygroundRuns(ObjectProvider<SparkSession> spark, TpchData tpch, PlaygroundProperties limits) {
        this.spark = spark;
        this.tpch = tpch;
        this.limits = limits;
        this.sandbox = new Sandbox(limits, TpchData.names());
    }

    /** The join operators a prediction may name ("none": the join is gone from what Spark ran). */
    static final List<String> JOIN_CHOICES = List.of(
            "BroadcastHashJoin",
            "SortMergeJoin",
            "ShuffledHashJoin",
            "BroadcastNestedLoopJoin",
            "CartesianProduct",
            "none");

    /** A qualifier in Spark's SQL text of an expression: {@code customer.} in {@code customer.c_custkey}. */
    private static final Pattern QUALIFIER = Pattern.compile("(?<![\\w.`])`?[A-Za-z_]\\w*`?\\.(?=`?[A-Za-z_])");

    /** Most joins the form asks about; a query with more gets questions for the first ones. */
    static final int MAX_JOIN_QUESTIONS = 12;

    /** Workshop queries' definitions kept planned; a handful per room. */
    private static final int DEFINITIONS_KEPT = 256;

    /**
     * The questions a learner answers before a playground run: the stage count, one join strategy
     * per join of the query's plan ({@code join-1}, {@code join-2}, ... in plan order, checked
     * against the join operators Spark ran, in the same order), whether AQE changes the plan.
     */
    static List<Question> questions(List<String> joins) {
        List<Question> out = new ArrayList<>();
        out.add(Questions.stagesRun());
        for (int i = 0; i < joins.size() && i < MAX_JOIN_QUESTIONS; i++) {
            int index = i;
            out.add(Question.choice(
                    "join-" + (i + 1),
                    "Join " + (i + 1) + " (" + joins.get(i) + "): which join operator will Spark run?",
                    JOIN_CHOICES,
                    run -> {
                        List<String> ran = RunQueries.joinStrategies(run);
                        return index < ran.size() ? ran.get(index) : "none";
                    }));
        }
        out.add(Questions.yesNo(
                "aqe-changes-plan", "Will AQE change the plan while the query runs?", PlaygroundRuns::aqeChangedPlan));
        return List.copyOf(out);
    }

    /** The joins of the query's optimized plan, in plan order, each as "join type, condition". */
    static List<String> joins(Dataset<Row> query) {
        List<String> out = new ArrayList<>();
        collectJoins(query.queryExecution().optimizedPlan(), out);
        return out;
    }

    // Pre-order, children before the subqueries of a node's expressions: the order in which
    // Spark's plan info lists a physical operator's inputs (children, then subqueries).
    private static void collectJoins(LogicalPlan plan, List<String> out) {
        if (plan instanceof Join join) {
            // Without the tables' qualifiers: "c_custkey = o_custkey", as the learner wrote it.
            String condition = join.condition().isDefined()
                    ? QUALIFIER.matcher(join.condition().get().sql()).replaceAll("")
                    : "no condition";
            if (condition.length() > 100) {
                condition = condition.substring(0, 99) + "…";
            }
            out.add(join.joinType().sql() + " join on " + condition);
        }
        for (LogicalPlan child : CollectionConverters.asJava(plan.children())) {
            collectJoins(child, out);
        }
        for (LogicalPlan subquery : CollectionConverters.asJava(plan.subqueries())) {
            collectJoins(subquery, out);
        }
    }

    /** Whether some execution's final plan differs from its initial plan in an operator a learner reads. */
    static boolean aqeChangedPlan(RunSnapshot run) {
        for (SqlSnapshot sql : run.sql()) {
            if (sql.plans().size() < 2) {
                continue;
            }
            PlanNode first = sql.plans().get(0).tree();
            PlanNode last = sql.plans().get(sql.plans().size() - 1).tree();
            if (first != null && last != null && !PlanDiff.between(first, last).identical()) {
                return true;
            }
        }
        return false;
    }

    public ValidatedRun validate(RunRequest request) {
        RunRequest.Playground playground = request.playground();
        if (playground == null) {
            throw RunProblems.invalid("playground", "playground is required", "{\"sql\": \"...\", \"conf\": {...}}");
        }
        if (request.experimentId() != null && !request.experimentId().equals(EXPERIMENT_ID)) {
            throw RunProblems.invalid(
                    "experimentId",
                    "a playground run has no experimentId (got '" + request.experimentId() + "')",
                    "no experimentId, or \"" + EXPERIMENT_ID + "\"");
        }
        if (request.variant() != null && !request.variant().equals(VARIANT)) {
            throw RunProblems.invalid(
                    "variant", "a playground run has no variant (got '" + request.variant() + "')", "no variant");
        }
        if (!request.knobs().isEmpty()) {
            throw RunProblems.invalid(
                    "knobs", "a playground run has no knobs; settings go in playground.conf", "no knobs");
        }
        Checked checked = check(playground);
        String sql = checked.sql();
        ExperimentDefinition definition = definition(sql, joins(checked.query()));
        RunRequestValidator.validateAnswers(definition, request.predictions(), "predictions.");
        Duration timeout = timeout(request.timeoutSeconds());
        Variant variant = definition.variants().get(0);
        return new ValidatedRun(
                new PlaygroundExperiment(definition, sql, tpch, sandbox),
                variant,
                new KnobValues(Map.of("sql", sql)),
                checked.conf(),
                request.predictions(),
                timeout);
    }

    /** A query the sandbox accepted, planned on a session with the run's settings. */
    private record Checked(String sql, Map<String, String> conf, Dataset<Row> query) {}

    private Checked check(RunRequest.Playground playground) {
        Map<String, String> conf = conf(playground.conf());
        String sql = playground.sql() == null ? null : playground.sql().strip();
        // The tables are generated once, in the background, outside any run: their jobs belong to
        // no run, and no request thread waits for them.
        if (tpch.available().isEmpty()) {
            throw generating(tpch.status());
        }
        SparkSession session = spark.getObject().newSession();
        conf.forEach((k, v) -> session.conf().set(k, v));
        tpch.register(session);
        return new Checked(sql, conf, sandbox.check(session, sql));
    }

    /**
     * The questions the form asks about {@code playground}'s query: the stage count, one per join
     * the query's plan has, AQE. Bad input is refused as for a run.
     */
    public List<Question> questions(RunRequest.Playground playground) {
        if (playground == null) {
            throw RunProblems.invalid("playground", "playground is required", "{\"sql\": \"...\", \"conf\": {...}}");
        }
        return questions(joins(check(playground).query()));
    }

    /**
     * A playground query's description as an experiment, for workshops whose agenda holds one: its
     * questions are the form's (one per join of its plan). Planned once per query and settings: a
     * room asks for it on every answer.
     */
    public ExperimentDefinition definition(RunRequest.Playground playground) {
        ExperimentDefinition known = definitions.get(playground);
        if (known != null) {
            return known;
        }
        Checked checked = check(playground);
        ExperimentDefinition definition = definition(checked.sql(), joins(checked.query()));
        if (definitions.size() >= DEFINITIONS_KEPT) {
            definitions.clear();
        }
        definitions.put(playground, definition);
        return definition;
    }

    static ErrorResponseException generating(TpchData.Status status) {
        String detail = status.state() == TpchData.State.FAILED
                ? "generating the TPC-H tables failed (" + status.error() + "); GET /api/playground/tables retries"
                : "the TPC-H tables are being generated (" + status.tablesDone() + " of " + status.tablesTotal()
                        + " tables written); try again in a few seconds";
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
        body.setType(URI.create("urn:spark-break-lab:problem:playground-data-generating"));
        body.setTitle("The playground's tables are not ready");
        body.setProperty("tables", status);
        ErrorResponseException e = new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, body, null);
        e.getHeaders().set("Retry-After", "2");
        return e;
    }

    /** The form's settings, checked; the forced ones added. */
    Map<String, String> conf(Map<String, Object> requested) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> entry : requested.entrySet()) {
            Setting setting = setting(entry.getKey());
            String field = "playground.conf." + entry.getKey();
            String value = String.valueOf(entry.getValue()).strip();
            switch (setting) {
                case AQE, SKEW_JOIN -> {
                    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw RunProblems.invalid(field, "'" + value + "' is not true or false", setting.allowed);
                    }
                    out.put(setting.key, value.toLowerCase(Locale.ROOT));
                }
                case BROADCAST_THRESHOLD -> {
                    long bytes = number(field, value, setting.allowed);
                    if (bytes < -1 || bytes > MAX_BROADCAST_THRESHOLD) {
                        throw RunProblems.invalid(field, bytes + " is out of range", setting.allowed);
                    }
                    out.put(setting.key, Long.toString(bytes));
                }
                case SHUFFLE_PARTITIONS -> {
                    String allowed = "an integer from 1 to " + limits.maxShufflePartitions();
                    long n = number(field, value, allowed);
                    if (n < 1 || n > limits.maxShufflePartitions()) {
                        throw RunProblems.invalid(field, n + " is out of range", allowed);
                    }
                    out.put(setting.key, Long.toString(n));
                }
            }
        }
        out.putAll(FORCED);
        return out;
    }

    private static Setting setting(String key) {
        for (Setting s : Setting.values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        List<String> keys = new ArrayList<>();
        for (Setting s : Setting.values()) {
            keys.add(s.key);
        }
        throw RunProblems.invalid(
                "playground.conf." + key,
                "the setting '" + key + "' cannot be changed in the playground",
                "one of " + String.join(", ", keys));
    }

    private static long number(String field, String value, String allowed) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw RunProblems.invalid(field, "'" + value + "' is not an integer", allowed);
        }
    }

    private Duration timeout(Integer seconds) {
        return RunRequestValidator.timeout(seconds, limits.timeout(), limits.timeout(), " for a playground run");
    }

    /** The run's description as an experiment: its query, its questions, no evidence of its own. */
    static ExperimentDefinition definition(String sql, List<String> joins) {
        return new ExperimentDefinition(
                EXPERIMENT_ID,
                "Playground query",
                "Your own query over the lab's TPC-H tables",
                List.of(Concept.STAGES),
                "A query written in the playground.",
                new ExperimentDefinition.Code(null, "", sql, Map.of(), null),
                List.of(),
                List.of(new Variant(
                        VARIANT, "Your query", "The query as written, with the settings chosen", Map.of(), Map.of())),
                questions(joins),
                List.of(),
                ExperimentDefinition.Requires.EMBEDDED,
                null);
    }

    public List<TpchData.TableInfo> tables() {
        return tpch.tables();
    }

    /** The settings the form offers, with what each accepts. */
    public Map<String, String> settings() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Setting s : Setting.values()) {
            out.put(
                    s.key,
                    s == Setting.SHUFFLE_PARTITIONS
                            ? "an integer from 1 to " + limits.maxShufflePartitions()
                            : s.allowed);
        }
        return out;
    }

    public PlaygroundProperties limits() {
        return limits;
    }
}
