package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;
import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Shuffle data that crossed the network: a stage read a large share of its shuffle input from other
 * executors' block managers (Spark's "remote bytes read"), not from its own executor's disk. With E
 * executors holding map output a reduce task finds about 1/E of it locally; in {@code local[N]}
 * everything is local, on a cluster most of a big shuffle travels.
 */
record NetworkShuffleRule() implements Rule {

    static final String KIND = "network-shuffle";

    /** Below this a remote read is noise (a few map statuses' worth of blocks). */
    private static final long MIN_REMOTE_BYTES = 8L * 1024 * 1024;

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            long remote = stage.shuffleRemoteBytesRead();
            long read = stage.shuffleReadBytes();
            if (remote < MIN_REMOTE_BYTES || read <= 0) {
                continue;
            }
            double share = (double) remote / read;
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d read %s of shuffle data over the network (%s of its %s shuffle read; %s local)",
                            stage.stageId(), bytes(remote), percent(share), bytes(read), bytes(read - remote))
                    .detail("A reduce task fetches its partition's blocks from every executor that ran a map task:"
                            + " those on its own executor are read from local disk, the rest cross the network"
                            + " (serialized, compressed, through the sender's block manager or shuffle service)."
                            + " With E executors about (E-1)/E of a shuffle is remote; the fetch wait time is the"
                            + " part of task time spent waiting for those blocks.")
                    .fix("Shuffle less: aggregate before the exchange (partial aggregation, reduceByKey), drop"
                            + " columns nobody reads, broadcast the small side of a join, or partition once and"
                            + " reuse it. Fewer, larger executors keep more of a shuffle on one machine but lose"
                            + " more work when one dies.")
                    .numbers(
                            "remoteBytesRead",
                            remote,
                            "localBytesRead",
                            read - remote,
                            "remoteShare",
                            Figures.share(share))
                    .build());
        }
        return out;
    }
}
