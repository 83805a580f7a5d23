package dev.breaklab.run;

import dev.breaklab.plan.PlanNode;
import java.time.Instant;

public record PlanVersion(int version, PlanCause cause, Instant at, PlanNode tree, String text) {}
