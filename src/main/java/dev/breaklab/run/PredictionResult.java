package dev.breaklab.run;

public record PredictionResult(String questionId, String question, String answer, String actual, Boolean correct) {}
