package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.node;
import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.stage;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.StageCount.Reason;
import org.junit.jupiter.api.Test;

class StageCountsTests {

    @Test
    void a_dataset_turned_into_an_rdd_is_counted_once_as_rdd_work() {
        var r = run().stage(stage(0))
                .stage(stage(1))
                .job(0, null, 0, 1)
                .sql(5, node("DeserializeToObject", node("Range")));
        var count = StageCounts.of(r.build());
        assertThat(count.predictedStages()).isZero();
        assertThat(count.explained()).isTrue();
        assertThat(count.has(Reason.NON_SQL_JOBS)).isTrue();
    }

    @Test
    void without_rdd_jobs_every_plan_counts() {
        var r = run().stage(stage(0)).job(0, 5L, 0).sql(5, node("Project", node("Range")));
        var count = StageCounts.of(r.build());
        assertThat(count.predictedStages()).isEqualTo(1);
        assertThat(count.matches()).isTrue();
    }
}
