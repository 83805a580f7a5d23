package dev.breaklab.insight;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.StageSnapshot;
import dev.breaklab.run.StageStatus;
import java.util.List;
import java.util.Optional;

/** What a rule looks at: the run, and the engine facts the snapshot does not carry. */
record Subject(RunSnapshot run, int cores, long maxResultSizeBytes) {

    /** Stage attempts that ran or are running: the ones with task figures. */
    List<StageSnapshot> measuredStages() {
        return run.stages().stream()
                .filter(s -> s.status() == StageStatus.COMPLETE
                        || s.status() == StageStatus.FAILED
                        || s.status() == StageStatus.ACTIVE)
                .toList();
    }

    /** A Spark SQL setting of the run, else Spark's default. */
    String conf(String key, String sparkDefault) {
        return RunQueries.conf(run, key, sparkDefault);
    }

    boolean confTrue(String key, boolean sparkDefault) {
        return RunQueries.confTrue(run, key, sparkDefault);
    }

    /** Every operator of every SQL execution's latest plan. */
    List<PlanNode> finalOperators() {
        return RunQueries.finalOperators(run);
    }

    Optional<String> errorMessage() {
        return run.error() == null
                ? Optional.empty()
                : Optional.ofNullable(run.error().message());
    }
}
