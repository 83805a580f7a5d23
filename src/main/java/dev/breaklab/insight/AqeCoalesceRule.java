package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AQE explained: post-shuffle partitions coalesced from N to M. The final plan shows
 * {@code AQEShuffleRead coalesced} over the shuffle's query stage, with "number of partitions".
 */
record AqeCoalesceRule() implements Rule {

    static final String KIND = "aqe-coalesced";

    /** The partition count in {@code hashpartitioning(key#1L, 2000)} or {@code rangepartitioning(..., 8)}. */
    private static final Pattern PARTITIONS = Pattern.compile("partitioning\\(.*,\\s*(\\d+)\\)");

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (PlanNode read : subject.finalOperators()) {
            if (!read.named("AQEShuffleRead") || !read.simpleString().contains("coalesced")) {
                continue;
            }
            OptionalLong after = SparkMetricText.value(read, "number of partitions");
            OptionalLong before = shufflePartitions(read);
            long empty = SparkMetricText.orZero(read, "number of empty partitions");
            long size = SparkMetricText.orZero(read, "partition data size");
            long advisory = SparkMetricText.confBytes(
                    subject.conf("spark.sql.adaptive.advisoryPartitionSizeInBytes", "64MB"), 64L << 20);
            String from = before.isPresent() ? String.format(Locale.ROOT, "%,d", before.getAsLong()) : "the planned";
            String to = after.isPresent() ? String.format(Locale.ROOT, "%,d", after.getAsLong()) : "fewer";
            out.add(Observation.of(KIND, Severity.INFO)
                    .operator(read.nodeName() + " coalesced")
                    .summary("AQE coalesced " + from + " shuffle partitions into " + to)
                    .detail("Once the map stage had run, AQE knew the real size of every shuffle partition ("
                            + bytes(size) + " in all"
                            + (empty > 0 ? String.format(Locale.ROOT, ", %,d of them empty", empty) : "")
                            + ") and merged neighbouring small ones up to about "
                            + bytes(advisory)
                            + " each (spark.sql.adaptive.advisoryPartitionSizeInBytes; with parallelismFirst on it"
                            + " also keeps enough partitions for the cores and respects minPartitionSize). Fewer,"
                            + " fuller tasks: no per-task overhead for empty or tiny partitions.")
                    .fix("Nothing to fix: this is AQE doing the job a hand-tuned spark.sql.shuffle.partitions would do,"
                            + " for whatever size the data has today.")
                    .numbers(
                            "partitionsBefore", before.isPresent() ? before.getAsLong() : null,
                            "partitionsAfter", after.isPresent() ? after.getAsLong() : null,
                            "emptyPartitions", empty,
                            "partitionDataSizeBytes", size,
                            "advisoryPartitionSizeBytes", advisory)
                    .build());
        }
        return out;
    }

    /** The partition count of the exchange under an AQE shuffle read. */
    static OptionalLong shufflePartitions(PlanNode read) {
        return read.stream()
                .filter(n -> n.named("Exchange"))
                .findFirst()
                .map(n -> {
                    Matcher m = PARTITIONS.matcher(n.simpleString());
                    return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
                })
                .orElse(OptionalLong.empty());
    }
}
