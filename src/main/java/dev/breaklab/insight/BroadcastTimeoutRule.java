package dev.breaklab.insight;

import dev.breaklab.run.Severity;
import java.util.List;

/**
 * A broadcast that did not finish within {@code spark.sql.broadcastTimeout}: Spark fails the query
 * with "Could not execute broadcast in N secs" and cancels its jobs. Only {@code
 * BroadcastExchangeExec.doExecuteBroadcast} reads the timeout, so this happens with AQE off (or in a
 * streaming micro-batch); AQE's broadcast query stages have no deadline (SPARK-36414).
 */
record BroadcastTimeoutRule() implements Rule {

    static final String KIND = "broadcast-timeout";

    @Override
    public List<Observation> check(Subject subject) {
        String error = subject.errorMessage().orElse("");
        if (!error.contains("Could not execute broadcast")) {
            return List.of();
        }
        String timeout = subject.conf("spark.sql.broadcastTimeout", "300");
        return List.of(Observation.of(KIND, Severity.CRITICAL)
                .operator("BroadcastExchange")
                .summary("The broadcast did not finish in time: " + BroadcastRule.firstLine(error))
                .detail("Before a broadcast join can start, the build side must be computed, collected to the driver,"
                        + " hashed and sent out, all within spark.sql.broadcastTimeout (" + timeout + " s here)."
                        + " A slow build side (an expensive query, a UDF, a busy cluster) runs out of time and"
                        + " Spark cancels the whole query. Only broadcasts planned without AQE have this deadline"
                        + " (AQE off, or a streaming micro-batch); with AQE on, the default since Spark 3.2, a"
                        + " broadcast query stage waits as long as it takes (SPARK-36414).")
                .fix("Make the build side cheaper (filter first, cache or write it), raise"
                        + " spark.sql.broadcastTimeout, or let the join shuffle (drop the BROADCAST hint). Turning AQE"
                        + " on also removes the deadline but not the wait.")
                .numbers("broadcastTimeoutSeconds", SpillRule.parse(timeout, 300))
                .build());
    }
}
