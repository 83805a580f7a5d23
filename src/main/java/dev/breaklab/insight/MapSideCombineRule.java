package dev.breaklab.insight;

import static dev.breaklab.run.Figures.bytes;

import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * RDD code that shuffles every record as it is (groupByKey, or a join/aggregation written without
 * a combiner). The DataFrame API plans a partial aggregation before every aggregating shuffle; the
 * RDD API only does when asked (reduceByKey, aggregateByKey, combineByKey). Read from RDD stages
 * (jobs outside any SQL execution) whose shuffle writes as many records as they took in.
 */
record MapSideCombineRule() implements Rule {

    static final String KIND = "no-map-side-combine";

    /** Records written over records read from which a stage combined nothing. */
    private static final double ALL = 0.9;

    /** Stages shuffling fewer records are not worth a finding. */
    private static final long MIN_RECORDS = 10_000;

    @Override
    public List<Observation> check(Subject subject) {
        Set<Integer> rddStages = new HashSet<>();
        for (JobSnapshot job : subject.run().jobs()) {
            if (job.sqlExecutionId() == null) {
                rddStages.addAll(job.stageIds());
            }
        }
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            long in = stage.inputRecords() + stage.shuffleReadRecords();
            if (!rddStages.contains(stage.stageId())
                    || stage.shuffleWriteRecords() < MIN_RECORDS
                    || in == 0
                    || stage.shuffleWriteRecords() < ALL * in) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d (RDD code) shuffled every record it read: %,d of %,d, %s",
                            stage.stageId(), stage.shuffleWriteRecords(), in, bytes(stage.shuffleWriteBytes()))
                    .detail("Nothing was combined before the shuffle. groupByKey sends every value across the network"
                            + " and only then lets you reduce them; reduceByKey and aggregateByKey reduce inside"
                            + " each map task first, so only one partial result per key and task is shuffled. (If"
                            + " this stage feeds a join or a repartition, shuffling every record is expected.)")
                    .fix(
                            "Aggregate with a combiner: reduceByKey / aggregateByKey instead of groupByKey().mapValues(...),"
                                    + " or use the DataFrame API, which plans a partial aggregation by itself.")
                    .numbers(
                            "shuffleWriteRecords", stage.shuffleWriteRecords(),
                            "recordsIn", in,
                            "shuffleWriteBytes", stage.shuffleWriteBytes())
                    .build());
        }
        return out;
    }
}
