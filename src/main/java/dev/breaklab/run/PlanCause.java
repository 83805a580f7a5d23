package dev.breaklab.run;

public enum PlanCause {
    INITIAL,
    AQE_UPDATE,
    FINAL
}
