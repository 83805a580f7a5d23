package dev.breaklab.run;

import java.util.Map;

/**
 * A fix the run view can offer in one click: {@code POST /api/runs} with this experiment,
 * {@code variant} and {@code knobs}. {@code conf} shows the Spark settings the fix changes.
 */
public record FixAction(String variant, Map<String, Object> knobs, Map<String, String> conf) {}
