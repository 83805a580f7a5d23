package dev.breaklab.run;

public record RunError(String errorClass, String message) {}
