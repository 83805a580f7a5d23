package dev.breaklab.run;

public record EvidenceResult(String id, String claim, boolean expected, boolean holds, String measured) {}
