package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.measured;
import static dev.breaklab.insight.Snapshots.node;
import static dev.breaklab.insight.Snapshots.q;
import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.stage;
import static dev.breaklab.insight.Snapshots.subject;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanNode;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The rules that read plans (joins, shuffles, repeated scans), on synthetic plans. */
class PlanRulesTests {

    static PlanNode range() {
        return measured("Range", "Range (0, 1000, step=1, splits=4)", Map.of("number of output rows", "1,000"));
    }

    @Nested
    class Recomputation {
        final RecomputationRule rule = new RecomputationRule();

        @Test
        void the_same_source_in_two_actions_is_recomputed() {
            var found = rule.check(subject(run().sql(1, node("HashAggregate", range()))
                    .sql(2, node("Project", range()))
                    .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("actions", 2).containsEntry("sourceRows", 2_000L);
                assertThat(o.operator()).isEqualTo("Range (0, 1000, step=1, splits=4)");
            });
        }

        @Test
        void one_action_or_a_cached_source_is_not() {
            assertThat(rule.check(subject(run().sql(1, node("Project", range())).build())))
                    .isEmpty();
            assertThat(rule.check(subject(run().sql(1, node("InMemoryTableScan", range()))
                            .sql(2, node("InMemoryTableScan", range()))
                            .build())))
                    .isEmpty();
        }
    }

    @Nested
    class ExtraShuffle {
        final ExtraShuffleRule rule = new ExtraShuffleRule();

        @Test
        void a_repartition_feeding_another_exchange_is_wasted() {
            var plan = node(
                    "HashAggregate",
                    node(
                            "Exchange",
                            "Exchange hashpartitioning(user#3L, 8)",
                            node(
                                    "HashAggregate",
                                    "HashAggregate(keys=[user#3L], functions=[partial_sum(amount#4L)])",
                                    node(
                                            "Exchange",
                                            "Exchange RoundRobinPartitioning(8), REPARTITION_BY_NUM",
                                            range()))));
            assertThat(rule.check(subject(run().sql(1, plan).build()))).hasSize(1);
        }

        @Test
        void a_repartition_that_an_operator_uses_is_not() {
            var plan = node(
                    "Exchange",
                    "Exchange hashpartitioning(user#3L, 8)",
                    node(
                            "SortMergeJoin",
                            node("Exchange", "Exchange RoundRobinPartitioning(8), REPARTITION_BY_NUM", range()),
                            range()));
            var hashed = node(
                    "Exchange",
                    "Exchange hashpartitioning(user#3L, 8)",
                    node("Exchange", "Exchange hashpartitioning(user#3L, 4)", range()));
            assertThat(rule.check(subject(run().sql(1, plan).sql(2, hashed).build())))
                    .isEmpty();
        }
    }

    @Nested
    class CrossJoin {
        @Test
        void cartesian_product_is_critical_and_hash_joins_are_quiet() {
            var cartesian = measured(
                    "CartesianProduct", "CartesianProduct (key#1L = key#2L)", Map.of("number of output rows", "1,000"));
            assertThat(new CrossJoinRule().check(subject(run().sql(1, cartesian).build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.severity()).isEqualTo(Severity.CRITICAL));
            assertThat(new CrossJoinRule()
                            .check(subject(
                                    run().sql(1, node("BroadcastHashJoin")).build())))
                    .isEmpty();
        }
    }

    @Nested
    class MissedBroadcast {
        final MissedBroadcastRule rule = new MissedBroadcastRule();

        static PlanNode smj(String type, String leftSize, String rightSize) {
            return node(
                    "SortMergeJoin",
                    "SortMergeJoin [k#1L], [k#2L], " + type,
                    node(
                            "Sort",
                            measured("Exchange", "Exchange hashpartitioning(k#1L, 8)", Map.of("data size", leftSize))),
                    node(
                            "Sort",
                            measured(
                                    "Exchange", "Exchange hashpartitioning(k#2L, 8)", Map.of("data size", rightSize))));
        }

        @Test
        void a_small_side_under_the_default_threshold_could_have_been_broadcast() {
            var found = rule.check(subject(run().conf("spark.sql.autoBroadcastJoinThreshold", "-1")
                    .sql(1, smj("Inner", "45.8 MiB", "156.3 KiB"))
                    .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("smallSideBytes", Math.round(156.3 * 1024));
                assertThat(o.fixConf()).containsEntry("spark.sql.autoBroadcastJoinThreshold", "10MB");
            });
        }

        @Test
        void aqe_is_the_fix_when_a_threshold_is_set_but_the_estimate_was_wrong() {
            var found = rule.check(subject(run().conf("spark.sql.adaptive.enabled", "false")
                    .sql(1, smj("Inner", "45.8 MiB", "9.9 MiB"))
                    .build()));
            assertThat(found).singleElement().satisfies(o -> assertThat(o.fixConf())
                    .containsEntry("spark.sql.adaptive.enabled", "true"));
        }

        @Test
        void big_sides_or_an_outer_join_that_cannot_build_the_small_side_are_quiet() {
            assertThat(rule.check(subject(
                            run().sql(1, smj("Inner", "45.8 MiB", "10.1 MiB")).build())))
                    .isEmpty();
            assertThat(rule.check(subject(run().sql(1, smj("LeftOuter", "1.0 KiB", "45.8 MiB"))
                            .build())))
                    .isEmpty();
        }
    }

    @Nested
    class BroadcastTimeout {
        @Test
        void sparks_timeout_message_is_the_finding() {
            var found = new BroadcastTimeoutRule()
                    .check(subject(run().conf("spark.sql.broadcastTimeout", "1")
                            .failed("SparkException", "Could not execute broadcast in 1 secs. You can increase ...")
                            .build()));
            assertThat(found).singleElement().satisfies(o -> assertThat(o.numbers())
                    .containsEntry("broadcastTimeoutSeconds", 1L));
            assertThat(new BroadcastTimeoutRule()
                            .check(subject(
                                    run().failed("SparkException", "boom").build())))
                    .isEmpty();
        }
    }

    @Nested
    class AvoidableSort {
        final AvoidableSortRule rule = new AvoidableSortRule();

        static PlanNode aqeSmj() {
            return node("AdaptiveSparkPlan", node("SortMergeJoin", "SortMergeJoin [k], [k], Inner"));
        }

        @Test
        void small_partitions_under_aqe_could_be_hashed() {
            var s = stage(3);
            s.shuffleReadBytes = 80 << 20;
            s.reads = q(8, 10 << 20, 10 << 20);
            var found =
                    rule.check(subject(run().stage(s).sql(1, aqeSmj(), aqeSmj()).build()));
            assertThat(found).singleElement().satisfies(o -> assertThat(o.fixConf())
                    .containsEntry(
                            "spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", Long.toString(64L << 20)));
        }

        @Test
        void large_partitions_a_high_enough_threshold_or_no_aqe_are_quiet() {
            var big = stage(3);
            big.shuffleReadBytes = 800 << 20;
            big.reads = q(8, 65 << 20, 65 << 20);
            assertThat(rule.check(
                            subject(run().stage(big).sql(1, aqeSmj(), aqeSmj()).build())))
                    .isEmpty();
            var s = stage(3);
            s.shuffleReadBytes = 80 << 20;
            s.reads = q(8, 10 << 20, 10 << 20);
            assertThat(rule.check(subject(run().stage(s)
                            .conf("spark.sql.adaptive.maxShuffledHashJoinLocalMapThreshold", "64m")
                            .sql(1, aqeSmj(), aqeSmj())
                            .build())))
                    .isEmpty();
            var plain = node("SortMergeJoin", "SortMergeJoin [k], [k], Inner");
            assertThat(rule.check(subject(run().stage(s).sql(1, plain).build())))
                    .isEmpty();
        }
    }
}
