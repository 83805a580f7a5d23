package dev.breaklab.insight;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.Finding;
import dev.breaklab.run.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FindingChangesTests {

    static Finding finding(String kind, int stage) {
        return new Finding(kind, Severity.WARNING, stage, kind, "", "", null, Map.of(), null);
    }

    @Test
    void compares_by_kind_since_stage_ids_differ_between_runs() {
        var changes = FindingChanges.between(
                List.of(finding("skew", 9), finding("gc-pressure", 9)),
                List.of(finding("gc-pressure", 15), finding("aqe-skew-split", 15)));
        assertThat(changes.resolved()).extracting(Finding::kind).containsExactly("skew");
        assertThat(changes.remaining()).extracting(Finding::kind).containsExactly("gc-pressure");
        assertThat(changes.introduced()).extracting(Finding::kind).containsExactly("aqe-skew-split");
    }
}
