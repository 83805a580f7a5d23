package dev.breaklab.insight;

import dev.breaklab.run.JobSnapshot;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.Severity;
import java.util.List;

/**
 * A batch run that spent most of its wall time with no job running: the executors idled while the
 * driver planned, compiled and collected one small action after another. Driver time outside jobs
 * is the run's wall time minus the union of its job intervals ({@link RunQueries#driverOnlyMs}).
 * Streaming runs are left out: between micro-batches a query waits for its trigger, which is not
 * driver work.
 */
record DriverBoundRule() implements Rule {

    static final String KIND = "driver-bound";

    /** Jobs from which a run counts as a loop of actions. */
    static final int MIN_JOBS = 20;

    /** Share of the wall time with no job running. */
    static final double MIN_SHARE = 0.4;

    /** Driver-only time that matters at all. */
    static final long MIN_DRIVER_MS = 1_000;

    @Override
    public List<Observation> check(Subject subject) {
        RunSnapshot run = subject.run();
        long wall = RunQueries.wallMs(run);
        if (!run.batches().isEmpty() || wall == 0 || run.jobs().size() < MIN_JOBS) {
            return List.of();
        }
        long driver = RunQueries.driverOnlyMs(run);
        double share = (double) driver / wall;
        if (driver < MIN_DRIVER_MS || share < MIN_SHARE) {
            return List.of();
        }
        long sqlExecutions = run.jobs().stream()
                .map(JobSnapshot::sqlExecutionId)
                .filter(id -> id != null)
                .distinct()
                .count();
        return List.of(Observation.of(KIND, Severity.WARNING)
                .summary(
                        "No job was running for %,d ms of the run's %,d ms (%.0f%%): %d jobs from %d queries, the"
                                + " executors idle between them",
                        driver, wall, 100 * share, run.jobs().size(), sqlExecutions)
                .detail("Between jobs only the driver works: it analyses, optimizes and plans each query, compiles"
                        + " its generated code, submits its jobs and collects the result. For a loop of small"
                        + " actions (a count or a collect per value) that fixed cost per action dominates, and"
                        + " adding executors changes nothing. In the Spark UI the Jobs tab's event timeline shows"
                        + " the gaps between the jobs. For a run imported from an event log the wall time runs from its"
                        + " first event to its last, so time the application sat idle in between counts too.")
                .fix("One action for all values: group by the loop's key (groupBy(key).count()) instead of one"
                        + " filtered action per value, or union the per-value queries; cache a source the loop"
                        + " reads again; when the actions are independent, submit them from several threads.")
                .numbers(
                        "wallMs", wall,
                        "driverOnlyMs", driver,
                        "jobs", run.jobs().size(),
                        "sqlExecutions", sqlExecutions)
                .build());
    }
}
