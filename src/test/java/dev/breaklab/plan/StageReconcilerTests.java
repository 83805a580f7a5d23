package dev.breaklab.plan;

import static dev.breaklab.plan.StagePredictorTests.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.StageCount.Reason;
import dev.breaklab.plan.StageReconciler.Actual;
import dev.breaklab.plan.StageReconciler.Execution;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageReconcilerTests {

    static Actual ran(int jobs, int stages, int skipped, int skippedByAqe) {
        return new Actual(jobs, stages, skipped, skippedByAqe, stages, 0, 0, false);
    }

    @Test
    void without_aqe_the_plan_is_the_whole_truth() {
        PlanNode plan = StagePredictorTests.joinThenAggregate();
        StageCount count = StageReconciler.reconcile(List.of(new Execution(plan, plan)), ran(1, 4, 0, 0));
        assertThat(count.matches()).isTrue();
        assertThat(count.explained()).isTrue();
        assertThat(count.differences()).isEmpty();
        assertThat(count.predictedStages()).isEqualTo(4);
    }

    @Test
    void an_unexplained_difference_is_named_as_such() {
        PlanNode plan = StagePredictorTests.joinThenAggregate();
        StageCount count = StageReconciler.reconcile(List.of(new Execution(plan, plan)), ran(1, 5, 0, 0));
        assertThat(count.explained()).isFalse();
        assertThat(count.has(Reason.UNEXPLAINED)).isTrue();
    }

    @Test
    void aqe_runs_a_job_per_query_stage_and_relists_them_as_skipped() {
        PlanNode initial = node("AdaptiveSparkPlan", StagePredictorTests.joinThenAggregate());
        PlanNode last = node(
                "AdaptiveSparkPlan",
                node(
                        "HashAggregate",
                        node(
                                "ShuffleQueryStage",
                                node(
                                        "Exchange",
                                        "Exchange SinglePartition",
                                        node(
                                                "SortMergeJoin(skew=true)",
                                                node("ShuffleQueryStage", node("Exchange", node("Range"))),
                                                node("ShuffleQueryStage", node("Exchange", node("Range"))))))));
        StageCount count = StageReconciler.reconcile(List.of(new Execution(initial, last)), ran(4, 4, 5, 5));
        assertThat(count.matches()).isTrue();
        assertThat(count.explained()).isTrue();
        assertThat(count.has(Reason.AQE_QUERY_STAGE_JOBS)).isTrue();
        assertThat(count.differences().get(0).jobs()).isEqualTo(3);
        assertThat(count.has(Reason.SKIPPED_STAGES)).isFalse();
    }

    @Test
    void a_runtime_switch_to_broadcast_adds_the_broadcast_stage() {
        PlanNode initial = node(
                "AdaptiveSparkPlan",
                node(
                        "SortMergeJoin",
                        node("Exchange", "Exchange hashpartitioning(k, 8)", node("Range")),
                        node("Exchange", "Exchange hashpartitioning(k, 8)", node("Range"))));
        PlanNode last = node(
                "AdaptiveSparkPlan",
                node(
                        "BroadcastHashJoin",
                        node("AQEShuffleRead", node("ShuffleQueryStage", node("Exchange", node("Range")))),
                        node(
                                "BroadcastQueryStage",
                                node(
                                        "BroadcastExchange",
                                        node("ShuffleQueryStage", node("Exchange", node("Range")))))));
        StageCount count = StageReconciler.reconcile(List.of(new Execution(initial, last)), ran(4, 4, 2, 2));
        assertThat(count.predictedStages()).isEqualTo(3);
        assertThat(count.matches()).isFalse();
        assertThat(count.explained()).isTrue();
        assertThat(count.has(Reason.AQE_ADDED_BROADCAST)).isTrue();
    }

    @Test
    void skipped_stages_outside_aqe_and_non_sql_jobs_and_early_stops_are_named() {
        PlanNode plan = StagePredictorTests.joinThenAggregate();
        StageCount skipped = StageReconciler.reconcile(List.of(new Execution(plan, plan)), ran(1, 2, 2, 0));
        assertThat(skipped.has(Reason.SKIPPED_STAGES)).isTrue();
        assertThat(skipped.explained()).isTrue();

        StageCount rdd = StageReconciler.reconcile(List.of(), new Actual(1, 2, 0, 0, 2, 2, 1, false));
        assertThat(rdd.has(Reason.NON_SQL_JOBS)).isTrue();
        assertThat(rdd.explained()).isTrue();

        StageCount stopped =
                StageReconciler.reconcile(List.of(new Execution(plan, plan)), new Actual(1, 1, 0, 0, 1, 0, 0, true));
        assertThat(stopped.has(Reason.STOPPED_EARLY)).isTrue();
        assertThat(stopped.explained()).isTrue();
    }

    @Test
    void a_cache_filled_by_an_earlier_action_runs_no_stages_later() {
        PlanNode cached = node(
                "InMemoryTableScan",
                "InMemoryTableScan [key#1L, n#2L]",
                node("HashAggregate", node("Exchange", "Exchange hashpartitioning(k#1L, 8)", node("Range"))));
        PlanNode first = node("HashAggregate", node("Exchange", "Exchange SinglePartition", cached));
        PlanNode second = node(
                "HashAggregate",
                node(
                        "Exchange",
                        "Exchange SinglePartition",
                        node(
                                "InMemoryTableScan",
                                "InMemoryTableScan [key#7L, n#8L]",
                                node(
                                        "HashAggregate",
                                        node("Exchange", "Exchange hashpartitioning(k#7L, 8)", node("Range"))))));
        StageCount count = StageReconciler.reconcile(
                List.of(new Execution(first, first), new Execution(second, second)), ran(2, 5, 1, 0));
        assertThat(count.executions().get(0).stageCount()).isEqualTo(3);
        assertThat(count.executions().get(1).stageCount()).isEqualTo(2);
        assertThat(count.predictedStages()).isEqualTo(5);
        assertThat(count.matches()).isTrue();
        assertThat(count.explained()).isTrue();
        assertThat(count.has(Reason.CACHED)).isTrue();
    }

    @Test
    void shuffles_below_a_global_sort_run_in_its_sampling_job_and_are_skipped_after_as_predicted() {
        // ORDER BY over an aggregation, AQE off: the sampling job runs the aggregation's map stage,
        // the sort's job lists it again and Spark skips it.
        PlanNode plan = StagePredictorTests.node(
                "Sort",
                StagePredictorTests.node(
                        "Exchange",
                        "Exchange rangepartitioning(n#1 ASC NULLS FIRST, 4), ENSURE_REQUIREMENTS",
                        StagePredictorTests.node(
                                "HashAggregate",
                                StagePredictorTests.node(
                                        "Exchange",
                                        "Exchange hashpartitioning(k#0, 4), ENSURE_REQUIREMENTS",
                                        StagePredictorTests.node("Range")))));
        StageCount count = StageReconciler.reconcile(List.of(new Execution(plan, plan)), ran(2, 4, 1, 0));
        assertThat(count.predictedStages()).isEqualTo(4);
        assertThat(count.matches()).isTrue();
        assertThat(count.explained()).isTrue();
        assertThat(count.has(Reason.SAMPLED_FIRST)).isTrue();
        assertThat(count.has(Reason.SKIPPED_STAGES)).isFalse();
    }

    @Test
    void a_broadcast_aqe_dropped_after_it_ran_is_named() {
        // NOT IN over an empty subquery: the broadcast stage runs, AQE sees it empty and drops the join.
        PlanNode initial = StagePredictorTests.node(
                "AdaptiveSparkPlan",
                StagePredictorTests.node(
                        "BroadcastHashJoin",
                        StagePredictorTests.node("Range"),
                        StagePredictorTests.node("BroadcastExchange", StagePredictorTests.node("Range"))));
        PlanNode last = StagePredictorTests.node("AdaptiveSparkPlan", StagePredictorTests.node("Range"));
        StageCount count = StageReconciler.reconcile(List.of(new Execution(initial, last)), ran(2, 2, 0, 0));
        assertThat(count.has(Reason.AQE_REMOVED_BROADCAST)).isTrue();
        assertThat(count.has(Reason.AQE_DROPPED_AFTER_RUNNING)).isTrue();
        assertThat(count.explained()).isTrue();
    }
}
