package dev.breaklab.run;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

public record SqlSnapshot(
        long executionId,
        String description,
        Instant startedAt,
        Instant finishedAt,
        List<PlanVersion> plans,
        LogicalPlans logical) {

    public Optional<PlanVersion> finalPlan() {
        return plans.isEmpty() ? Optional.empty() : Optional.of(plans.get(plans.size() - 1));
    }
}
