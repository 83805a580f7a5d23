package dev.breaklab.run;

public record LogicalPlans(String parsed, String analyzed, String optimized) {}
