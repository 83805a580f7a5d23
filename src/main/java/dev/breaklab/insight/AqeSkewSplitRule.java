package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * AQE explained: a skewed join partition split into several tasks. Spark marks the join in its
 * node name ({@code SortMergeJoin(skew=true)}) and the shuffle read as {@code AQEShuffleRead skewed}
 * with "number of skewed partitions" and "number of skewed partition splits".
 */
record AqeSkewSplitRule() implements Rule {

    static final String KIND = "aqe-skew-split";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode join : subject.finalOperators()) {
            if (!join.nodeName().contains("Join") || !join.nodeName().contains("skew=true")) {
                continue;
            }
            long skewed = 0;
            long splits = 0;
            for (PlanNode read : join.stream().toList()) {
                if (read.named("AQEShuffleRead") && read.simpleString().contains("skewed")) {
                    skewed += SparkMetricText.orZero(read, "number of skewed partitions");
                    splits += Math.max(
                            SparkMetricText.orZero(read, "number of skewed partition splits"),
                            SparkMetricText.orZero(read, "number of skewed splits"));
                }
            }
            double factor = number(subject.conf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "5"), 5);
            long floor = SparkMetricText.confBytes(
                    subject.conf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "256MB"), 256L << 20);
            long advisory = SparkMetricText.confBytes(
                    subject.conf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64MB"), 64L << 20);
            out.add(Observation.of(KIND, Severity.INFO)
                    .operator(join.nodeName())
                    .summary("AQE split %d skewed partition(s) of the join into %d tasks", skewed, splits)
                    .detail(
                            "After the shuffle AQE compared each join partition with the median: a partition larger than "
                                    + factor + "x the median and than " + bytes(floor)
                                    + " (spark.sql.adaptive.skewJoin.skewedPartitionFactor and"
                                    + " skewedPartitionThresholdInBytes) is skewed. It read that partition in pieces of"
                                    + " about " + bytes(advisory)
                                    + " (cut at map-output boundaries) and joined each piece with a copy of the"
                                    + " matching partition of the other side, so the hot key's work spread over several"
                                    + " tasks instead of one straggler.")
                    .fix("Nothing to fix: this is AQE's skew join at work. If a straggler remains, lower the factor or"
                            + " threshold, or salt the key.")
                    .numbers(
                            "skewedPartitions", skewed,
                            "splits", splits,
                            "skewedPartitionFactor", factor,
                            "skewedPartitionThresholdBytes", floor,
                            "advisoryPartitionSizeBytes", advisory)
                    .build());
        }
        return out;
    }

    static double number(String value, double fallback) {
        try {
            return Double.parseDouble(value.trim());
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
