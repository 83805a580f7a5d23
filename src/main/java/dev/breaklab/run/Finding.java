package dev.breaklab.run;

import java.util.Map;

/**
 * What the diagnosis sees on the run (see insight/).
 *
 * @param fix the fix to try, in words
 * @param operator the plan operator the finding points at, when it is about one
 * @param numbers the measured figures behind it, by name, in the order they read best
 * @param action the fix as a run to submit: a variant of the same experiment and knob values
 */
public record Finding(
        String kind,
        Severity severity,
        Integer stageId,
        String summary,
        String detail,
        String fix,
        String operator,
        Map<String, Object> numbers,
        FixAction action) {}
