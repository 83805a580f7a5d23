package dev.breaklab.insight;

import dev.breaklab.run.Quantiles;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * A straggler in time only: the slowest task of a shuffle-reading stage took far longer than the
 * median while reading no more shuffle data than the rest. Not a data problem, so not {@link
 * SkewRule}'s finding (whose fix, splitting or salting the key, would not help): the task's executor
 * was slow (GC, a busy host, a slow disk or fetch). Always a warning.
 */
record TimeSkewRule(InsightProperties.Skew threshold) implements Rule {

    static final String KIND = "time-skew";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            Straggler straggler = Straggler.of(stage);
            Quantiles read = straggler.read();
            // Only where the data per task is known to be even: a shuffle read measured on every task.
            // A scan's per-task input is not in the lab's distributions, so a slow scan task is not judged.
            boolean evenRead = read.count() >= threshold.minTasks()
                    && read.max() > 0
                    && stage.inputBytes() == 0
                    && read.maxOverMedian() < threshold.ratio();
            if (!straggler.slow(threshold) || !evenRead) {
                continue;
            }
            out.add(Observation.of(KIND, Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d's slowest task ran %s but read only %s: not a data problem",
                            stage.stageId(), straggler.timeVsMedian(), straggler.readVsMedian())
                    .detail("The slow task had no more data than its peers, so no key is hot and splitting or salting"
                            + " would not help. What differs is where and when it ran: a garbage-collection pause, an"
                            + " executor or host busy with other work, a slow disk, or a slow shuffle fetch. In the"
                            + " Spark UI: the task's row in the stage's task table (its executor, GC time, fetch wait),"
                            + " and the Executors tab.")
                    .fix("Look at the slow task's executor and phases (GC time, shuffle fetch wait) rather than the"
                            + " data; speculative execution (spark.speculation=true) re-launches such stragglers on"
                            + " another executor when a cluster has the slots.")
                    .numbers(straggler.numbers())
                    .build());
        }
        return out;
    }
}
