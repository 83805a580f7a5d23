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
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SqlSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

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
    private final org.springframework.beans.factory.ObjectProvider<SparkSession> spark;

    private final TpchData tpch;
    private final PlaygroundProperties limits;
    private final Sandbox sandbox;

    public PlaygroundRuns(
            org.springframework.beans.factory.ObjectProvider<SparkSession> spark,
            TpchData tpch,
            PlaygroundProperties limits) {
        this.spark = spark;
        this.tpch = tpch;
        this.limits = limits;
        this.sandbox = new Sandbox(limits, TpchData.names());
    }

    /** The questions a learner answers before a playground run. */
    static final List<Question> QUESTIONS = List.of(
            Questions.stagesRun(),
            Questions.joinStrategy(
                    "none",
                    "BroadcastHashJoin",
                    "SortMergeJoin",
                    "ShuffledHashJoin",
                    "BroadcastNestedLoopJoin",
                    "CartesianProduct"),
            Questions.yesNo(
                    "aqe-changes-plan",
                    "Will AQE change the plan while the query runs?",
                    PlaygroundRuns::aqeChangedPlan));

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
        Map<String, String> conf = conf(playground.conf());
        String sql = playground.sql() == null ? null : playground.sql().strip();
        // The tables are generated on first use, here, outside any run: their jobs belong to no run.
        tpch.ensure();
        SparkSession session = spark.getObject().newSession();
        conf.forEach((k, v) -> session.conf().set(k, v));
        tpch.register(session);
        sandbox.check(session, sql);
        ExperimentDefinition definition = definition(sql);
        RunRequestValidator.validateAnswers(definition, request.predictions(), "predictions.");
        Duration timeout = timeout(request.timeoutSeconds());
        Variant variant = definition.variants().get(0);
        return new ValidatedRun(
                new PlaygroundExperiment(definition, sql, tpch, sandbox),
                variant,
                new KnobValues(Map.of("sql", sql)),
                conf,
                request.predictions(),
                timeout);
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
        long max = limits.timeout().toSeconds();
        if (seconds == null) {
            return limits.timeout();
        }
        if (seconds < 1 || seconds > max) {
            throw RunProblems.invalid(
                    "timeoutSeconds",
                    "timeoutSeconds must be from 1 to " + max + " for a playground run, got " + seconds,
                    "an integer from 1 to " + max);
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * The run's description as an experiment: its query, its questions, no evidence of its own. Public
     * for workshops, whose agenda may hold a playground query (its questions are these).
     */
    public static ExperimentDefinition definition(String sql) {
        return new ExperimentDefinition(
                EXPERIMENT_ID,
                "Playground query",
                "Your own query over the lab's TPC-H tables",
                List.of(Concept.STAGES),
                "A query written in the playground.",
                new ExperimentDefinition.Code(null, sql, Map.of(), null),
                List.of(),
                List.of(Variant.of(VARIANT, "Your query", "The query as written, with the settings chosen")),
                QUESTIONS,
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
