package dev.breaklab.insight;

import dev.breaklab.run.Finding;
import dev.breaklab.run.RunSnapshot;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a fix did to the findings, by kind: gone (the fix worked), still there, or new (often AQE
 * explaining what it did instead). Stage ids differ between runs, so kinds are what is compared.
 */
public record FindingChanges(List<Finding> resolved, List<Finding> remaining, List<Finding> introduced) {

    public static FindingChanges between(RunSnapshot before, RunSnapshot after) {
        return between(before.findings(), after.findings());
    }

    public static FindingChanges between(List<Finding> before, List<Finding> after) {
        Set<String> beforeKinds = before.stream().map(Finding::kind).collect(Collectors.toSet());
        Set<String> afterKinds = after.stream().map(Finding::kind).collect(Collectors.toSet());
        return new FindingChanges(
                before.stream().filter(f -> !afterKinds.contains(f.kind())).toList(),
                after.stream().filter(f -> beforeKinds.contains(f.kind())).toList(),
                after.stream().filter(f -> !beforeKinds.contains(f.kind())).toList());
    }
}
