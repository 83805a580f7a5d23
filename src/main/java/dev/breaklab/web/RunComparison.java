package dev.breaklab.web;

import dev.breaklab.insight.FindingChanges;
import dev.breaklab.plan.PlanDiff;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.JobStatus;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SqlSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Two runs side by side: how their plans differ and how their stages and jobs measured up. Plans
 * are paired by SQL execution in order (a run's queries run in a fixed order); stages by the order
 * they ran (last attempt of each stage that ran); jobs by order. Deltas are {@code b - a}.
 *
 * @param plans per SQL execution: final vs final, and each run's initial vs final plan
 * @param totals whole-run figures, and the key stage's ({@code keyStage...})
 * @param keyStage the stage each run's story is about: the completed stage that read the most
 *     shuffle data, else the one with the most tasks
 * @param findings which of a's findings b no longer has (resolved), still has, or newly has, by kind
 */
record RunComparison(
        RunRef a,
        RunRef b,
        List<PlanComparison> plans,
        Map<String, Delta> totals,
        KeyStage keyStage,
        List<StageDelta> stages,
        List<JobDelta> jobs,
        FindingChanges findings) {

    record RunRef(String id, String experimentId, String variant, String status, Long durationMs) {
        static RunRef of(RunSnapshot s) {
            return new RunRef(s.id(), s.experimentId(), s.variant(), s.status().name(), s.durationMs());
        }
    }

    /**
     * @param finalVsFinal a's final plan against b's; null when one side has no plan
     * @param aInitialVsFinal what AQE changed in run a while it ran
     * @param bInitialVsFinal the same for run b
     */
    record PlanComparison(
            Long aExecutionId,
            Long bExecutionId,
            PlanDiff finalVsFinal,
            PlanDiff aInitialVsFinal,
            PlanDiff bInitialVsFinal) {}

    /** One figure in both runs; {@code ratio} is b / a (null when a is 0). */
    record Delta(double a, double b, double delta, Double ratio) {
        static Delta of(double a, double b) {
            return new Delta(a, b, b - a, a == 0 ? null : b / a);
        }
    }

    /** A stage id in each run; null where the run has none. */
    record KeyStage(Integer a, Integer b) {}

    /** The n-th stage that ran in each run; either side may be missing (null id). */
    record StageDelta(int position, Integer aStageId, Integer bStageId, Map<String, Delta> metrics) {}

    record JobDelta(
            int position,
            Integer aJobId,
            Integer bJobId,
            JobStatus aStatus,
            JobStatus bStatus,
            Map<String, Delta> metrics) {}

    static RunComparison of(RunSnapshot a, RunSnapshot b) {
        return new RunComparison(
                RunRef.of(a),
                RunRef.of(b),
                plans(a, b),
                totals(a, b),
                new KeyStage(
                        keyStage(a).map(StageSnapshot::stageId).orElse(null),
                        keyStage(b).map(StageSnapshot::stageId).orElse(null)),
                stages(a, b),
                jobs(a, b),
                FindingChanges.between(a, b));
    }

    private static List<PlanComparison> plans(RunSnapshot a, RunSnapshot b) {
        List<SqlSnapshot> as = withPlans(a);
        List<SqlSnapshot> bs = withPlans(b);
        List<PlanComparison> out = new ArrayList<>();
        for (int i = 0; i < Math.max(as.size(), bs.size()); i++) {
            SqlSnapshot x = i < as.size() ? as.get(i) : null;
            SqlSnapshot y = i < bs.size() ? bs.get(i) : null;
            out.add(new PlanComparison(
                    x == null ? null : x.executionId(),
                    y == null ? null : y.executionId(),
                    x == null || y == null ? null : PlanDiff.between(last(x), last(y)),
                    x == null ? null : PlanDiff.between(first(x), last(x)),
                    y == null ? null : PlanDiff.between(first(y), last(y))));
        }
        return out;
    }

    private static List<SqlSnapshot> withPlans(RunSnapshot run) {
        return run.sql().stream().filter(s -> !s.plans().isEmpty()).toList();
    }

    private static dev.breaklab.plan.PlanNode first(SqlSnapshot sql) {
        return sql.plans().get(0).tree();
    }

    private static dev.breaklab.plan.PlanNode last(SqlSnapshot sql) {
        return sql.finalPlan().map(PlanVersion::tree).orElseThrow();
    }

    private static Map<String, Delta> totals(RunSnapshot a, RunSnapshot b) {
        Map<String, Delta> out = new LinkedHashMap<>();
        out.put("durationMs", Delta.of(orZero(a.durationMs()), orZero(b.durationMs())));
        out.put("jobs", Delta.of(a.jobs().size(), b.jobs().size()));
        out.put("stagesRun", Delta.of(ran(a).size(), ran(b).size()));
        out.put("stagesSkipped", Delta.of(a.stageAttempts(StageStatus.SKIPPED), b.stageAttempts(StageStatus.SKIPPED)));
        out.put("tasks", Delta.of(sum(a, StageSnapshot::numTasks), sum(b, StageSnapshot::numTasks)));
        out.put("inputBytes", Delta.of(sum(a, StageSnapshot::inputBytes), sum(b, StageSnapshot::inputBytes)));
        out.put(
                "shuffleReadBytes",
                Delta.of(sum(a, StageSnapshot::shuffleReadBytes), sum(b, StageSnapshot::shuffleReadBytes)));
        out.put(
                "shuffleWriteBytes",
                Delta.of(sum(a, StageSnapshot::shuffleWriteBytes), sum(b, StageSnapshot::shuffleWriteBytes)));
        out.put(
                "memorySpilledBytes",
                Delta.of(sum(a, StageSnapshot::memorySpilledBytes), sum(b, StageSnapshot::memorySpilledBytes)));
        out.put(
                "diskSpilledBytes",
                Delta.of(sum(a, StageSnapshot::diskSpilledBytes), sum(b, StageSnapshot::diskSpilledBytes)));
        out.put("gcTimeMs", Delta.of(sum(a, StageSnapshot::gcTimeMs), sum(b, StageSnapshot::gcTimeMs)));
        Optional<StageSnapshot> ka = keyStage(a);
        Optional<StageSnapshot> kb = keyStage(b);
        out.put("keyStageTasks", Delta.of(keyFigure(ka, s -> s.numTasks()), keyFigure(kb, s -> s.numTasks())));
        out.put(
                "keyStageMaxTaskMs",
                Delta.of(keyFigure(ka, s -> s.taskDurationMs().max()), keyFigure(kb, s -> s.taskDurationMs()
                        .max())));
        out.put(
                "keyStageMaxOverMedian",
                Delta.of(keyFigure(ka, s -> s.taskDurationMs().maxOverMedian()), keyFigure(kb, s -> s.taskDurationMs()
                        .maxOverMedian())));
        return out;
    }

    /** The stage the run's story is about: the heaviest shuffle reader, else the widest stage. */
    private static Optional<StageSnapshot> keyStage(RunSnapshot run) {
        return run.heaviestShuffleReadStage().or(run::widestStage);
    }

    private static double keyFigure(Optional<StageSnapshot> stage, ToDoubleFunction<StageSnapshot> figure) {
        return stage.map(figure::applyAsDouble).orElse(0d);
    }

    private static List<StageDelta> stages(RunSnapshot a, RunSnapshot b) {
        List<StageSnapshot> as = ran(a);
        List<StageSnapshot> bs = ran(b);
        List<StageDelta> out = new ArrayList<>();
        for (int i = 0; i < Math.max(as.size(), bs.size()); i++) {
            StageSnapshot x = i < as.size() ? as.get(i) : null;
            StageSnapshot y = i < bs.size() ? bs.get(i) : null;
            Map<String, Delta> m = new LinkedHashMap<>();
            m.put(
                    "durationMs",
                    Delta.of(x == null ? 0 : orZero(x.durationMs()), y == null ? 0 : orZero(y.durationMs())));
            m.put("numTasks", Delta.of(x == null ? 0 : x.numTasks(), y == null ? 0 : y.numTasks()));
            m.put(
                    "shuffleReadBytes",
                    Delta.of(x == null ? 0 : x.shuffleReadBytes(), y == null ? 0 : y.shuffleReadBytes()));
            m.put(
                    "shuffleWriteBytes",
                    Delta.of(x == null ? 0 : x.shuffleWriteBytes(), y == null ? 0 : y.shuffleWriteBytes()));
            m.put(
                    "memorySpilledBytes",
                    Delta.of(x == null ? 0 : x.memorySpilledBytes(), y == null ? 0 : y.memorySpilledBytes()));
            m.put(
                    "diskSpilledBytes",
                    Delta.of(x == null ? 0 : x.diskSpilledBytes(), y == null ? 0 : y.diskSpilledBytes()));
            m.put(
                    "taskDurationMaxMs",
                    Delta.of(
                            x == null ? 0 : x.taskDurationMs().max(),
                            y == null ? 0 : y.taskDurationMs().max()));
            m.put(
                    "taskDurationMedianMs",
                    Delta.of(
                            x == null ? 0 : x.taskDurationMs().p50(),
                            y == null ? 0 : y.taskDurationMs().p50()));
            m.put(
                    "taskDurationMaxOverMedian",
                    Delta.of(
                            x == null ? 0 : x.taskDurationMs().maxOverMedian(),
                            y == null ? 0 : y.taskDurationMs().maxOverMedian()));
            m.put(
                    "taskShuffleReadMaxOverMedian",
                    Delta.of(
                            x == null ? 0 : x.taskShuffleReadBytes().maxOverMedian(),
                            y == null ? 0 : y.taskShuffleReadBytes().maxOverMedian()));
            out.add(new StageDelta(i, x == null ? null : x.stageId(), y == null ? null : y.stageId(), m));
        }
        return out;
    }

    private static List<JobDelta> jobs(RunSnapshot a, RunSnapshot b) {
        List<JobDelta> out = new ArrayList<>();
        for (int i = 0; i < Math.max(a.jobs().size(), b.jobs().size()); i++) {
            JobSnapshot x = i < a.jobs().size() ? a.jobs().get(i) : null;
            JobSnapshot y = i < b.jobs().size() ? b.jobs().get(i) : null;
            Map<String, Delta> m = new LinkedHashMap<>();
            m.put("durationMs", Delta.of(jobDuration(x), jobDuration(y)));
            m.put(
                    "stages",
                    Delta.of(
                            x == null ? 0 : x.stageIds().size(),
                            y == null ? 0 : y.stageIds().size()));
            out.add(new JobDelta(
                    i,
                    x == null ? null : x.jobId(),
                    y == null ? null : y.jobId(),
                    x == null ? null : x.status(),
                    y == null ? null : y.status(),
                    m));
        }
        return out;
    }

    /** The last attempt of every stage that ran (complete or failed), in stage id order. */
    private static List<StageSnapshot> ran(RunSnapshot run) {
        Map<Integer, StageSnapshot> last = new LinkedHashMap<>();
        run.stages().stream()
                .filter(s -> s.status() == StageStatus.COMPLETE || s.status() == StageStatus.FAILED)
                .sorted(Comparator.comparingInt(StageSnapshot::stageId).thenComparingInt(StageSnapshot::attemptId))
                .forEach(s -> last.put(s.stageId(), s));
        return List.copyOf(last.values());
    }

    private static long sum(RunSnapshot run, java.util.function.ToLongFunction<StageSnapshot> metric) {
        return ran(run).stream().mapToLong(metric).sum();
    }

    private static double jobDuration(JobSnapshot job) {
        return job == null || job.completedAt() == null || job.submittedAt() == null
                ? 0
                : Duration.between(job.submittedAt(), job.completedAt()).toMillis();
    }

    private static double orZero(Long value) {
        return value == null ? 0 : value;
    }
}
