package dev.breaklab.insight;

import dev.breaklab.plan.StageCount;
import dev.breaklab.plan.StageReconciler;
import dev.breaklab.plan.StageReconciler.Actual;
import dev.breaklab.plan.StageReconciler.Execution;
import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.PlanVersion;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The stage prediction of a run beside what Spark ran for it. */
final class StageCounts {

    private StageCounts() {}

    /** Null before the run has a plan or a job, and for streaming runs (each micro-batch is a query of its own). */
    static StageCount of(RunSnapshot run) {
        if (run.sql().isEmpty() && run.jobs().isEmpty() || !run.batches().isEmpty()) {
            return null;
        }
        Set<Long> withJobs = new HashSet<>();
        boolean rddJobs = false;
        for (JobSnapshot job : run.jobs()) {
            if (job.sqlExecutionId() == null) {
                rddJobs = true;
            } else {
                withJobs.add(job.sqlExecutionId());
            }
        }
        // Dataset.rdd() records the Dataset's plan as an execution of its own, but its work runs in
        // the RDD job (outside SQL): with RDD jobs in the run, plans that ran no job are not counted.
        boolean countJobless = !rddJobs;
        List<Execution> executions = run.sql().stream()
                .filter(sql -> !sql.plans().isEmpty())
                .filter(sql -> countJobless || withJobs.contains(sql.executionId()))
                .map(sql -> new Execution(
                        sql.plans().get(0).tree(),
                        sql.finalPlan().map(PlanVersion::tree).orElse(null)))
                .toList();
        Set<Integer> ran = new HashSet<>();
        Set<Integer> skipped = new HashSet<>();
        int attempts = 0;
        for (StageSnapshot stage : run.stages()) {
            if (stage.status() == StageStatus.COMPLETE
                    || stage.status() == StageStatus.FAILED
                    || stage.status() == StageStatus.ACTIVE) {
                ran.add(stage.stageId());
                attempts++;
            } else if (stage.status() == StageStatus.SKIPPED) {
                skipped.add(stage.stageId());
            }
        }
        skipped.removeAll(ran);
        Set<Integer> nonSqlStages = new HashSet<>();
        Set<Integer> adaptiveStages = new HashSet<>();
        Set<Long> adaptiveExecutions = new HashSet<>();
        run.sql().forEach(sql -> {
            if (!sql.plans().isEmpty()
                    && sql.plans().get(0).tree() != null
                    && sql.plans().get(0).tree().anyMatch(n -> n.named("AdaptiveSparkPlan"))) {
                adaptiveExecutions.add(sql.executionId());
            }
        });
        int nonSqlJobs = 0;
        for (JobSnapshot job : run.jobs()) {
            if (job.sqlExecutionId() == null) {
                nonSqlJobs++;
                nonSqlStages.addAll(job.stageIds());
            } else if (adaptiveExecutions.contains(job.sqlExecutionId())) {
                adaptiveStages.addAll(job.stageIds());
            }
        }
        nonSqlStages.retainAll(ran);
        int skippedByAqe =
                (int) skipped.stream().filter(adaptiveStages::contains).count();
        boolean stopped = run.status() == RunStatus.FAILED
                || run.status() == RunStatus.CANCELLED
                || run.status() == RunStatus.TIMED_OUT
                || !run.status().finished();
        return StageReconciler.reconcile(
                executions,
                new Actual(
                        run.jobs().size(),
                        ran.size(),
                        skipped.size(),
                        skippedByAqe,
                        attempts,
                        nonSqlStages.size(),
                        nonSqlJobs,
                        stopped));
    }
}
