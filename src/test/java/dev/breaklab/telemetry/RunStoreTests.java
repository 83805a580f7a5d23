package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.run.RunStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The index from Spark's ids to runs, across an engine switch (a new SparkContext numbers from 0 again). */
class RunStoreTests {

    @Test
    void after_a_switch_the_old_context_s_ids_lead_to_no_finished_run_but_a_replay_keeps_its_own() {
        RunStore store = new RunStore(10);
        LiveRun finished = new LiveRun("old", "x", "broken", "x / broken", Map.of(), Map.of(), Instant.now());
        LiveRun replaying = new LiveRun("import", "x", "broken", "x / broken", Map.of(), Map.of(), Instant.now());
        store.add(finished);
        store.add(replaying);
        store.attachJob(0, finished);
        store.attachStage(0, finished);
        store.attachExecution(0L, finished);
        store.attachJob(7, replaying);
        store.attachStage(9, replaying);
        finished.finish(RunStatus.SUCCEEDED, Instant.now(), null, null, List.of(), List.of());

        store.forgetSparkIdsOfFinishedRuns();

        assertThat(store.byJob(0)).isNull();
        assertThat(store.byStage(0)).isNull();
        assertThat(store.byExecution(0L)).isNull();
        assertThat(store.byJob(7)).isSameAs(replaying);
        assertThat(store.byStage(9)).isSameAs(replaying);
        assertThat(store.find("old")).isPresent();
    }
}
