package dev.breaklab.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One physical operator, as Spark describes it in {@code SparkPlanInfo}: no Spark types, so plans
 * can be stored, diffed and drawn anywhere.
 *
 * @param nodeName the operator, e.g. {@code SortMergeJoin}, {@code AQEShuffleRead}
 * @param simpleString the operator with its key arguments, e.g. {@code SortMergeJoin(skew=true) [key]}
 */
public record PlanNode(String nodeName, String simpleString, List<PlanMetric> metrics, List<PlanNode> children) {

    /**
     * Spark's join operators, by the names their {@code nodeName} starts with (a skew-split
     * sort-merge join is {@code SortMergeJoin(skew=true)}).
     */
    public static final List<String> JOIN_OPERATORS = List.of(
            "BroadcastHashJoin", "SortMergeJoin", "ShuffledHashJoin", "BroadcastNestedLoopJoin", "CartesianProduct");

    /**
     * One SQL metric of the operator as Spark printed it ({@code value}), and the numbers that text
     * stands for, so nobody downstream parses it again.
     *
     * @param type Spark's metric type: {@code sum}, {@code size}, {@code timing}, {@code nsTiming}
     *     (printed in ms), {@code average}
     */
    public record PlanMetric(String name, long accumulatorId, String type, String value) {

        /** The figure in bytes, milliseconds or a count; null when the text has none (an average). */
        @JsonProperty("amount")
        public Long amount() {
            OptionalLong amount = MetricText.parse(value);
            return amount.isPresent() ? amount.getAsLong() : null;
        }

        /** How the operator's tasks differed (min, median, max); null when Spark printed no spread. */
        @JsonProperty("spread")
        public MetricText.Spread spread() {
            return MetricText.spread(value).orElse(null);
        }
    }

    public Stream<PlanNode> stream() {
        return Stream.concat(Stream.of(this), children.stream().flatMap(PlanNode::stream));
    }

    public boolean anyMatch(Predicate<PlanNode> test) {
        return stream().anyMatch(test);
    }

    public long count(Predicate<PlanNode> test) {
        return stream().filter(test).count();
    }

    /** The same tree with metric values filled in from {@code values} (by accumulator id). */
    public PlanNode withMetricValues(java.util.Map<Long, String> values) {
        List<PlanMetric> filled = metrics.stream()
                .map(m -> new PlanMetric(
                        m.name(), m.accumulatorId(), m.type(), values.getOrDefault(m.accumulatorId(), m.value())))
                .toList();
        return new PlanNode(
                nodeName,
                simpleString,
                filled,
                children.stream().map(c -> c.withMetricValues(values)).toList());
    }

    public boolean named(String name) {
        return nodeName.equals(name);
    }

    /**
     * A shuffle: Spark 4.2's {@code ShuffleExchangeExec} is named {@code Exchange}; broadcasts ({@code
     * BroadcastExchange}) and reuses ({@code ReusedExchange}) are not shuffles of their own.
     */
    public boolean isShuffleExchange() {
        return named("Exchange");
    }

    /** The join operator this node is, if it is one. */
    public Optional<String> joinOperator() {
        return JOIN_OPERATORS.stream().filter(nodeName::startsWith).findFirst();
    }

    /** Whether the operator's name or arguments carry {@code marker}, e.g. {@code skew=true}. */
    public boolean marked(String marker) {
        return nodeName.contains(marker) || (simpleString != null && simpleString.contains(marker));
    }
}
