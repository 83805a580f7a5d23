package dev.breaklab.insight;

import dev.breaklab.run.Quantiles;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A straggler: within one stage the slowest task takes (or reads) far more than the median. The
 * stage waits for it while the other cores idle; in the Spark UI, Summary Metrics' "Max" dwarfs
 * the 75th percentile and the event timeline shows one long bar.
 */
record SkewRule(InsightProperties.Skew threshold) implements Rule {

    static final String KIND = "skew";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            Straggler straggler = Straggler.of(stage);
            Quantiles read = straggler.read();
            boolean slow = straggler.slow(threshold);
            boolean heavy = read.count() >= threshold.minTasks()
                    && read.max() >= threshold.minMaxRead().toBytes()
                    && read.maxOverMedian() >= threshold.ratio();
            // Data decides: a slow task with an even shuffle read is TimeSkewRule's (not a data problem,
            // and the fix for skew, splitting or salting the key, would not help it). Duration skew only
            // raises a read skew to CRITICAL.
            if (!heavy) {
                continue;
            }
            String summary = String.format(
                    Locale.ROOT,
                    "Stage %d has a straggler: its slowest task %sread %s",
                    stage.stageId(),
                    slow ? "ran " + straggler.timeVsMedian() + " and " : "",
                    straggler.readVsMedian());
            String detail = "All tasks of a stage run the same code on different partitions, so their times should"
                    + " be close. Here one partition is much bigger than the rest (its shuffle read shows it: a hot"
                    + " key sends most rows to one reducer). The stage cannot finish until that task does, and"
                    + " meanwhile the other cores sit idle. In the Spark UI: the stage's Summary Metrics show Max"
                    + " far beyond the 75th percentile, and the event timeline one long bar.";
            String fix = "For a join, let AQE split the skewed partition: spark.sql.adaptive.enabled=true and"
                    + " spark.sql.adaptive.skewJoin.enabled=true (a partition is skewed above"
                    + " skewedPartitionFactor x the median and skewedPartitionThresholdInBytes), or broadcast the"
                    + " other side if it is small. AQE splits skewed joins (and REBALANCE partitions) only. For an"
                    + " aggregation, sum/count/min/max need nothing (partial aggregation before the shuffle absorbs"
                    + " the hot key); aggregates that keep every value (collect_list, distinct, groupByKey) do"
                    + " not, and there salt the hot key (add a bucket to it, aggregate per bucket, then combine).";
            Map<String, Object> numbers = straggler.numbers();
            numbers.put("ratioThreshold", threshold.ratio());
            out.add(Observation.of(KIND, slow && heavy ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(summary)
                    .detail(detail)
                    .fix(fix)
                    .numbers(numbers)
                    .fixConf("spark.sql.adaptive.enabled", "true", "spark.sql.adaptive.skewJoin.enabled", "true")
                    .build());
        }
        return out;
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
