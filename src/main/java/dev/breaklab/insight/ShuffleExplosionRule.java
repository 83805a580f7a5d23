package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.ratio;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A stage that writes far more shuffle data than it took in: a many-to-many join or an explode
 * multiplied the rows before the shuffle. Spark UI: "Shuffle Write" dwarfs "Input"/"Shuffle Read".
 * Sources such as {@code spark.range} report no input bytes but do report records, so records are
 * compared first and bytes only when there are no records.
 */
record ShuffleExplosionRule(InsightProperties.ShuffleExplosion threshold) implements Rule {

    static final String KIND = "shuffle-explosion";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            if (stage.shuffleWriteBytes() < threshold.minWrite().toBytes()) {
                continue;
            }
            long recordsIn = stage.inputRecords() + stage.shuffleReadRecords();
            long bytesIn = stage.inputBytes() + stage.shuffleReadBytes();
            double growth;
            String measure;
            if (recordsIn > 0) {
                growth = (double) stage.shuffleWriteRecords() / recordsIn;
                measure = String.format(
                        Locale.ROOT, "%,d records written from %,d read", stage.shuffleWriteRecords(), recordsIn);
            } else if (bytesIn > 0) {
                growth = (double) stage.shuffleWriteBytes() / bytesIn;
                measure = bytes(stage.shuffleWriteBytes()) + " written from " + bytes(bytesIn) + " read";
            } else {
                continue;
            }
            if (growth < threshold.ratio()) {
                continue;
            }
            String operator = multiplier(subject);
            out.add(Observation.of(KIND, growth >= 2 * threshold.ratio() ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .operator(operator)
                    .summary(
                            "Stage %d wrote %s of shuffle data, %s what it took in (%s)",
                            stage.stageId(), bytes(stage.shuffleWriteBytes()), ratio(growth), measure)
                    .detail("A shuffle moves every row it is given over the network and through disk. This stage"
                            + " multiplied its rows before the shuffle"
                            + (operator == null ? "" : " (" + operator + " produced the most rows)")
                            + ": a join on a key that repeats on both sides returns one row per matching pair, and"
                            + " explode returns one row per array element. Everything downstream pays for the"
                            + " extra rows.")
                    .fix("Shrink before the shuffle: filter and aggregate (or deduplicate the join keys) before a"
                            + " many-to-many join or explode, and check both sides of a join for duplicate keys.")
                    .numbers(
                            "shuffleWriteBytes", stage.shuffleWriteBytes(),
                            "shuffleWriteRecords", stage.shuffleWriteRecords(),
                            "recordsIn", recordsIn,
                            "bytesIn", bytesIn,
                            "growth", SkewRule.round(growth),
                            "ratioThreshold", threshold.ratio())
                    .build());
        }
        return out;
    }

    /** The row-multiplying operator (a Generate or a join) with the most output rows, if any. */
    private static String multiplier(Subject subject) {
        PlanNode best = null;
        long most = -1;
        for (PlanNode node : subject.finalOperators()) {
            if (node.nodeName().equals("Generate") || node.nodeName().contains("Join")) {
                long rows = SparkMetricText.orZero(node, "number of output rows");
                if (rows > most) {
                    most = rows;
                    best = node;
                }
            }
        }
        return best == null ? null : best.nodeName();
    }
}
