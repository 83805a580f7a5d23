package dev.breaklab.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.StagePrediction.Boundary;
import dev.breaklab.plan.StagePrediction.PredictedStage;
import java.util.List;
import org.junit.jupiter.api.Test;

class StagePredictorTests {

    static PlanNode node(String name, String simple, PlanNode... children) {
        return new PlanNode(name, simple, List.of(), List.of(children));
    }

    static PlanNode node(String name, PlanNode... children) {
        return node(name, name, children);
    }

    /** groupBy over a sort-merge join, as Spark plans it with AQE off: 3 exchanges, 4 stages. */
    static PlanNode joinThenAggregate() {
        return node(
                "HashAggregate",
                "HashAggregate(keys=[], functions=[count(1)])",
                node(
                        "Exchange",
                        "Exchange SinglePartition, ENSURE_REQUIREMENTS",
                        node(
                                "WholeStageCodegen (5)",
                                node(
                                        "HashAggregate",
                                        node(
                                                "SortMergeJoin",
                                                node(
                                                        "Sort",
                                                        node(
                                                                "Exchange",
                                                                "Exchange hashpartitioning(k#1L, 8)",
                                                                node("Range"))),
                                                node(
                                                        "Sort",
                                                        node(
                                                                "Exchange",
                                                                "Exchange hashpartitioning(k#2L, 8)",
                                                                node("Range"))))))));
    }

    @Test
    void one_stage_per_exchange_plus_the_result_stage() {
        StagePrediction p = StagePredictor.predict(joinThenAggregate());
        assertThat(p.stageCount()).isEqualTo(4);
        assertThat(p.jobs()).isEqualTo(1);
        assertThat(p.adaptive()).isFalse();
        PredictedStage result = p.stages().get(0);
        assertThat(result.boundary()).isEqualTo(Boundary.RESULT);
        assertThat(result.operators()).containsExactly("HashAggregate");
        assertThat(result.parents()).containsExactly(1);
        PredictedStage join = p.stages().get(1);
        assertThat(join.boundary()).isEqualTo(Boundary.SHUFFLE);
        assertThat(join.operators()).containsExactly("Exchange", "HashAggregate", "SortMergeJoin", "Sort", "Sort");
        assertThat(join.parents()).containsExactly(2, 3);
        assertThat(p.stages().get(2).operators()).containsExactly("Exchange", "Range");
    }

    @Test
    void a_broadcast_is_a_stage_in_a_job_of_its_own_and_reuse_adds_nothing() {
        PlanNode plan = node(
                "BroadcastHashJoin",
                node("BroadcastHashJoin", node("Range"), node("BroadcastExchange", node("Range"))),
                node("ReusedExchange", node("BroadcastExchange", node("Range"))));
        StagePrediction p = StagePredictor.predict(plan);
        assertThat(p.stageCount()).isEqualTo(2);
        assertThat(p.count(Boundary.BROADCAST)).isEqualTo(1);
        assertThat(p.jobs()).isEqualTo(2);
        assertThat(p.stages().get(0).operators()).contains("ReusedExchange");
    }

    @Test
    void a_global_sort_samples_its_input_first() {
        PlanNode plan =
                node("Sort", node("Exchange", "Exchange rangepartitioning(id#0L ASC NULLS FIRST, 8)", node("Range")));
        StagePrediction p = StagePredictor.predict(plan);
        assertThat(p.stageCount()).isEqualTo(3);
        assertThat(p.count(Boundary.SAMPLE)).isEqualTo(1);
        assertThat(p.jobs()).isEqualTo(2);
    }

    @Test
    void a_subquery_runs_its_own_job() {
        PlanNode plan = node(
                "Filter",
                node("Range"),
                node("Subquery", node("HashAggregate", node("Exchange", "Exchange SinglePartition", node("Range")))));
        StagePrediction p = StagePredictor.predict(plan);
        assertThat(p.stageCount()).isEqualTo(3);
        assertThat(p.count(Boundary.SUBQUERY)).isEqualTo(1);
        assertThat(p.jobs()).isEqualTo(2);
    }

    @Test
    void a_narrow_plan_is_one_stage_and_a_driver_side_answer_none() {
        assertThat(StagePredictor.predict(node("Project", node("Range"))).stageCount())
                .isEqualTo(1);
        assertThat(StagePredictor.predict(node("AdaptiveSparkPlan", node("LocalTableScan")))
                        .stageCount())
                .isZero();
        assertThat(StagePredictor.predict(node("Execute SetCommand")).stageCount())
                .isZero();
        assertThat(StagePredictor.predict(null).stageCount()).isZero();
    }

    @Test
    void an_adaptive_plan_is_flagged_and_predicted_from_its_initial_plan() {
        StagePrediction p = StagePredictor.predict(
                node("OverwriteByExpression noop-table", node("AdaptiveSparkPlan", joinThenAggregate())));
        assertThat(p.stageCount()).isEqualTo(4);
        assertThat(p.adaptive()).isTrue();
        assertThat(StagePredictor.predict(joinThenAggregate()).adaptive()).isFalse();
    }

    @Test
    void an_ordered_limit_under_a_write_shuffles_without_an_exchange() {
        PlanNode written = node(
                "OverwriteByExpression",
                node("TakeOrderedAndProject", node("WholeStageCodegen (1)", node("Project", node("Range")))));
        StagePrediction p = StagePredictor.predict(written);
        assertThat(p.stageCount()).isEqualTo(2);
        assertThat(p.stages().get(1).boundary()).isEqualTo(Boundary.LIMIT_SHUFFLE);
        assertThat(p.jobs()).isEqualTo(1);
        // Collected at the root, it takes rows on the driver: no shuffle.
        assertThat(StagePredictor.predict(node("AdaptiveSparkPlan", node("TakeOrderedAndProject", node("Range"))))
                        .stageCount())
                .isEqualTo(1);
        assertThat(StagePredictor.predict(node("OverwriteByExpression", node("CollectLimit", node("Range"))))
                        .stageCount())
                .isEqualTo(2);
    }
}
