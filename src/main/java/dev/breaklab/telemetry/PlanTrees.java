package dev.breaklab.telemetry;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.plan.PlanNode.PlanMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import scala.jdk.javaapi.CollectionConverters;

/** Converts Spark's {@code SparkPlanInfo} into the lab's Spark-free {@link PlanNode} tree. */
public final class PlanTrees {

    private PlanTrees() {}

    public static PlanNode from(SparkPlanInfo info) {
        return from(info, Map.of());
    }

    /** With SQL metric values by accumulator id (e.g. from Spark's SQL status store). */
    public static PlanNode from(SparkPlanInfo info, Map<Long, String> metricValues) {
        List<PlanMetric> metrics = new ArrayList<>();
        for (SQLMetricInfo m : CollectionConverters.asJava(info.metrics())) {
            metrics.add(
                    new PlanMetric(m.name(), m.accumulatorId(), m.metricType(), metricValues.get(m.accumulatorId())));
        }
        List<PlanNode> children = new ArrayList<>();
        for (SparkPlanInfo child : CollectionConverters.asJava(info.children())) {
            children.add(from(child, metricValues));
        }
        return new PlanNode(info.nodeName(), info.simpleString(), List.copyOf(metrics), List.copyOf(children));
    }
}
