package dev.breaklab.insight;

import static dev.breaklab.run.Figures.percent;

import dev.breaklab.run.Figures;
import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.TaskPhase;
import dev.breaklab.run.TaskPhases;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a stage's task time went, when most of it was not computing: waiting for shuffle fetches,
 * writing shuffle files, serializing or fetching results, or (for tasks that are not tiny) the
 * scheduler's delay and task deserialization. The phases are the Spark UI's event timeline's, summed
 * over the stage's finished tasks. Tiny tasks' overhead is {@link TinyTasksRule}'s finding, not this one.
 */
record TaskPhasesRule(InsightProperties.TaskPhases threshold, InsightProperties.TinyTasks tiny) implements Rule {

    static final String KIND = "task-phases";

    @Override
    public List<Observation> check(Subject subject) {
        List<Observation> out = new ArrayList<>();
        for (StageSnapshot stage : subject.measuredStages()) {
            TaskPhases phases = stage.taskPhases();
            if (phases == null || phases.totalMs() < threshold.minTaskTime().toMillis()) {
                continue;
            }
            boolean tinyTasks = stage.numTasks() >= tiny.minTasks()
                    && stage.taskDurationMs().p50() <= tiny.maxMedian().toMillis();
            TaskPhase worst = null;
            for (TaskPhase phase : TaskPhase.values()) {
                boolean overhead = phase == TaskPhase.SCHEDULER_DELAY || phase == TaskPhase.DESERIALIZE;
                if (phase == TaskPhase.COMPUTE || overhead && tinyTasks) {
                    continue;
                }
                if (phases.share(phase) >= threshold.share()
                        && (worst == null || phase.of(phases) > worst.of(phases))) {
                    worst = phase;
                }
            }
            if (worst == null) {
                continue;
            }
            double share = phases.share(worst);
            out.add(Observation.of(KIND, share >= threshold.criticalShare() ? Severity.CRITICAL : Severity.WARNING)
                    .stage(stage.stageId())
                    .summary(
                            "Stage %d spent %s of its task time %s (%s of %s)",
                            stage.stageId(),
                            percent(share),
                            worst.label(),
                            Figures.millis(worst.of(phases)),
                            Figures.millis(phases.totalMs()))
                    .detail(detail(worst))
                    .fix(fix(worst))
                    .numbers(
                            "phase", worst.name(),
                            "phaseMs", worst.of(phases),
                            "taskTimeMs", phases.totalMs(),
                            "share", Figures.share(share),
                            "schedulerDelayMs", phases.schedulerDelayMs(),
                            "deserializeMs", phases.deserializeMs(),
                            "shuffleFetchWaitMs", phases.shuffleFetchWaitMs(),
                            "computeMs", phases.computeMs(),
                            "shuffleWriteMs", phases.shuffleWriteMs(),
                            "resultSerializationMs", phases.resultSerializationMs(),
                            "gettingResultMs", phases.gettingResultMs())
                    .build());
        }
        return out;
    }

    private static String detail(TaskPhase phase) {
        String what =
                switch (phase) {
                    case SHUFFLE_FETCH_WAIT ->
                        "Shuffle fetch wait is the time a task sat blocked until map output arrived (Spark's"
                                + " fetchWaitTime): remote blocks over the network, a busy or lost executor, or very many"
                                + " small blocks.";
                    case SHUFFLE_WRITE ->
                        "Shuffle write time is the time spent writing and syncing the shuffle files (Spark's"
                                + " writeTime): a lot of data to shuffle, or slow local disks.";
                    case RESULT_SERIALIZATION, GETTING_RESULT ->
                        "The tasks returned large results to the driver: serialized on the executor, then fetched"
                                + " by the driver as indirect results.";
                    case SCHEDULER_DELAY ->
                        "Scheduler delay is the part of a task's wall time not spent on the executor: queuing for"
                                + " a slot, the driver launching it, and sending its status and result back.";
                    case DESERIALIZE ->
                        "Task deserialization is the executor reading the task's closure and the broadcast it"
                                + " needs before it can run: large closures make every task pay for them.";
                    case COMPUTE -> "";
                };
        return what + " The Spark UI draws the same split in the stage's event timeline (\"Show Additional"
                + " Metrics\"); computing is executor run time minus fetch wait and shuffle write time.";
    }

    private static String fix(TaskPhase phase) {
        return switch (phase) {
            case SHUFFLE_FETCH_WAIT ->
                "Shuffle less (filter and select before the shuffle, broadcast a small join side), let AQE coalesce"
                        + " small blocks into fewer fetches, and look for a slow or lost executor in the Executors"
                        + " table.";
            case SHUFFLE_WRITE ->
                "Shuffle less data: project columns and filter rows before the exchange, aggregate map-side, keep"
                        + " spark.shuffle.compress on, and put spark.local.dir on fast disks.";
            case RESULT_SERIALIZATION, GETTING_RESULT ->
                "Bring less to the driver: aggregate on the executors, write the output instead of collecting it,"
                        + " or take a sample.";
            case SCHEDULER_DELAY ->
                "Fewer, larger tasks; keep task closures small; on a cluster, check that the driver is not busy"
                        + " (GC, other work) while it schedules.";
            case DESERIALIZE ->
                "Keep large objects out of task closures: broadcast them once (spark.sparkContext.broadcast) or load"
                        + " them on the executor.";
            case COMPUTE -> "";
        };
    }
}
