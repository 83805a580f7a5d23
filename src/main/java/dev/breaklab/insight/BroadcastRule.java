package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.Severity;
import dev.breaklab.run.SparkMetricText;
import java.util.ArrayList;
import java.util.List;

/**
 * A broadcast join whose build side is big or slow: the driver collects it, builds a hash table
 * and ships it to every executor. Spark's SQL tab shows it on {@code BroadcastExchange}: "data
 * size", "time to collect", "time to build", "time to broadcast". When the build side is too big
 * to collect at all, the run fails on the result-size guard.
 */
record BroadcastRule(InsightProperties.Broadcast threshold) implements Rule {

    static final String KIND = "large-broadcast";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        long autoThreshold =
                SparkMetricText.confBytes(subject.conf("spark.sql.autoBroadcastJoinThreshold", "10MB"), 10L << 20);
        boolean anyBroadcast = subject.run().planVersions().stream()
                .map(PlanVersion::tree)
                .anyMatch(tree -> tree != null && tree.anyMatch(n -> n.named("BroadcastExchange")));
        String error = subject.errorMessage().orElse("");
        if (anyBroadcast && error.contains("spark.driver.maxResultSize")) {
            out.add(failed(
                    subject,
                    "The broadcast's build side was too big to collect: " + firstLine(error),
                    "A broadcast join first collects the whole build side to the driver, like collect(), and the"
                            + " result-size guard (spark.driver.maxResultSize) stopped it. Without the guard the"
                            + " driver would run out of memory.",
                    autoThreshold));
        }
        for (PlanNode node : subject.finalOperators()) {
            if (!node.named("BroadcastExchange")) {
                continue;
            }
            long size = SparkMetricText.orZero(node, "data size");
            long build = SparkMetricText.orZero(node, "time to build");
            long collect = SparkMetricText.orZero(node, "time to collect");
            long broadcast = SparkMetricText.orZero(node, "time to broadcast");
            long rows = SparkMetricText.value(node, "number of output rows").orElse(Long.MAX_VALUE);
            // "Large" is measured against what Spark itself would broadcast unasked: the auto-broadcast
            // threshold (its 10 MB default when the run switched it off). "data size" is the hash
            // relation's memory, which for long keys can be a sparse array far bigger than the rows,
            // so a few thousand rows are never a large broadcast, however long a busy machine took.
            long limit = Math.max(
                    autoThreshold > 0 ? autoThreshold : 10L << 20,
                    threshold.size().toBytes());
            boolean enoughRows = rows >= threshold.minRows();
            boolean big = size > limit;
            boolean slow = build + collect >= threshold.buildTime().toMillis();
            if (!enoughRows || !big && !slow) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .operator(node.nodeName())
                    .summary(
                            "The broadcast build side is %s (collect %d ms, build %d ms, broadcast %d ms)",
                            bytes(size), collect, build, broadcast)
                    .detail(
                            "A broadcast join collects the build side to the driver, builds a hash table and sends a copy"
                                    + " to every executor, where it stays in memory for the whole join. That pays off for"
                                    + " a small dimension table; for a large one it costs driver memory, network and time,"
                                    + " and a shuffle join would be cheaper. Spark broadcasts a side on its own below "
                                    + (autoThreshold < 0 ? "(never: the threshold is -1)" : bytes(autoThreshold))
                                    + " (spark.sql.autoBroadcastJoinThreshold), or whenever a BROADCAST hint asks.")
                    .fix(fixText(subject))
                    .numbers(
                            "dataSizeBytes", size,
                            "collectMs", collect,
                            "buildMs", build,
                            "broadcastMs", broadcast,
                            "rows", rows == Long.MAX_VALUE ? null : rows,
                            "autoBroadcastJoinThresholdBytes", autoThreshold,
                            "sizeThresholdBytes", threshold.size().toBytes())
                    .build());
        }
        return out;
    }

    private Observation failed(Subject subject, String summary, String detail, long autoThreshold) {
        return Observation.of(KIND, Severity.CRITICAL)
                .operator("BroadcastExchange")
                .summary(summary)
                .detail(detail)
                .fix(fixText(subject))
                .numbers("autoBroadcastJoinThresholdBytes", autoThreshold)
                .build();
    }

    /**
     * Only a broadcast planned without AQE has a deadline (spark.sql.broadcastTimeout is read by
     * BroadcastExchangeExec.doExecuteBroadcast alone, SPARK-36414), so the timeout is advice only for
     * a run with AQE off.
     */
    static String fixText(Subject subject) {
        String slow = subject.confTrue("spark.sql.adaptive.enabled", true)
                ? " A slow build side only delays the join under AQE (it has no broadcast deadline): make it"
                        + " cheaper."
                : " For a slow build side make it cheaper or raise spark.sql.broadcastTimeout (AQE is off here, so"
                        + " the broadcast has a deadline).";
        return "Broadcast only small tables: drop the BROADCAST hint (or use MERGE / SHUFFLE_HASH) so the join"
                + " shuffles both sides, and keep spark.sql.autoBroadcastJoinThreshold at a size the driver and"
                + " every executor can hold." + slow;
    }

    static String firstLine(String message) {
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
