package dev.breaklab.catalog;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.telemetry.PlanTrees;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkPlanInfo;

/**
 * Runs a lesson's SQL tab on Spark, the way a learner would paste it: a session of its own with the
 * variant's settings, setup statements executed, every query run to the end, and the final physical
 * plan of each query returned (after AQE's last re-plan).
 */
final class LessonSql {

    private LessonSql() {}

    static List<PlanNode> run(SparkSession spark, Map<String, String> conf, String sql) {
        SparkSession session = spark.newSession();
        conf.forEach((key, value) -> session.conf().set(key, value));
        List<PlanNode> plans = new ArrayList<>();
        for (String statement : statements(sql)) {
            Dataset<Row> result = session.sql(statement);
            if (isQuery(statement)) {
                SparkPlan plan = result.queryExecution().executedPlan();
                // Runs the plan itself (AdaptiveSparkPlanExec settles its final plan as it goes), with no
                // rows brought to the driver: what the lab's noop write does.
                plan.execute().count();
                plans.add(PlanTrees.from(SparkPlanInfo.fromSparkPlan(plan)));
            }
        }
        return plans;
    }

    static List<String> statements(String sql) {
        return Arrays.stream(sql.split(";\\s*(\\n|$)"))
                .map(LessonSql::withoutComments)
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String withoutComments(String statement) {
        return String.join(
                "\n", statement.lines().filter(l -> !l.strip().startsWith("--")).toList());
    }

    static boolean isQuery(String statement) {
        String head = statement.strip().toUpperCase(Locale.ROOT);
        return head.startsWith("SELECT") || head.startsWith("WITH") || head.startsWith("FROM");
    }
}
