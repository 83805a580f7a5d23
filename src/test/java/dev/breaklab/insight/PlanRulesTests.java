package dev.breaklab.insight;

import static dev.breaklab.insight.Snapshots.measured;
import static dev.breaklab.insight.Snapshots.node;
import static dev.breaklab.insight.Snapshots.q;
import static dev.breaklab.insight.Snapshots.run;
import static dev.breaklab.insight.Snapshots.stage;
import static dev.breaklab.insight.Snapshots.subject;
import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.Severity;
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
    class PartialCache {
        final PartialCacheRule rule = new PartialCacheRule();

        static PlanNode rangeRows(String rows) {
            return measured("Range", "Range (0, 1000, step=1, splits=4)", Map.of("number of output rows", rows));
        }

        @Test
        void a_later_action_computing_source_rows_under_the_cache_is_a_cache_that_did_not_hold() {
            var found = rule.check(subject(run().sql(1, node("InMemoryTableScan", rangeRows("1,000")))
                    .sql(2, node("InMemoryTableScan", rangeRows("500")))
                    .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("recomputedRows", 500L).containsEntry("firstRows", 1_000L);
                assertThat(o.operator()).isEqualTo("Range (0, 1000, step=1, splits=4)");
            });
        }

        @Test
        void a_cache_read_whole_or_an_uncached_source_is_not() {
            assertThat(rule.check(subject(run().sql(1, node("InMemoryTableScan", rangeRows("1,000")))
                            .sql(2, node("InMemoryTableScan", rangeRows("0")))
                            .build())))
                    .isEmpty();
            assertThat(rule.check(subject(run().sql(1, node("Project", range()))
                            .sql(2, node("Project", range()))
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

        PlanNode rows(long count) {
            return measured("Range", "Range (0, n, step=1, splits=4)", Map.of("number of output rows", "" + count));
        }

        PlanNode loop(String condition, long left, long right) {
            return node(
                    "BroadcastNestedLoopJoin",
                    "BroadcastNestedLoopJoin BuildRight, Inner, " + condition,
                    node("Project", rows(left)),
                    measured(
                            "BroadcastExchange",
                            "BroadcastExchange IdentityBroadcastMode",
                            Map.of("number of output rows", "" + right)));
        }

        @Test
        void a_nested_loop_is_judged_by_the_pairs_it_tests() {
            assertThat(new CrossJoinRule()
                            .check(subject(run().sql(1, loop("(k1 = dk OR k2 = dk)", 100_000, 50))
                                    .build())))
                    .as("5,000,000 pairs")
                    .isEmpty();
            assertThat(new CrossJoinRule()
                            .check(subject(run().sql(1, loop("(k1 = dk OR k2 = dk)", 100_000, 1_000))
                                    .build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.severity()).isEqualTo(Severity.WARNING);
                        assertThat(o.numbers()).containsEntry("pairs", 100_000_000L);
                        assertThat(o.fix()).contains("union of equi-joins");
                    });
        }

        @Test
        void a_range_condition_is_no_equality() {
            assertThat(new CrossJoinRule()
                            .check(subject(run().sql(1, loop("((amount >= lo) AND (amount <= hi))", 100_000, 1_000))
                                    .build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.detail()).contains("Without an equality"));
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
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("broadcastTimeoutSeconds", 1L);
                assertThat(o.detail())
                        .as("the deadline exists only without AQE")
                        .contains("AQE", "SPARK-36414");
            });
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

    @Nested
    class SmallFiles {
        final SmallFilesRule rule =
                new SmallFilesRule(InsightProperties.defaults().smallFiles());

        static PlanNode scan(String files, String size) {
            return measured(
                    "Scan parquet ",
                    "FileScan parquet [id#1L]",
                    Map.of("number of files read", files, "size of files read", size));
        }

        @Test
        void many_files_of_a_few_kilobytes() {
            assertThat(rule.check(subject(run().sql(1, scan("400", "3.9 MiB")).build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.numbers()).containsEntry("files", 400L));
        }

        @Test
        void few_files_or_big_ones_are_quiet() {
            assertThat(rule.check(subject(run().sql(1, scan("99", "99.0 KiB")).build())))
                    .isEmpty();
            assertThat(rule.check(subject(run().sql(1, scan("400", "401.0 MiB")).build())))
                    .isEmpty();
        }
    }

    @Nested
    class SinglePartition {
        @Test
        void a_window_over_a_single_partition_exchange() {
            var window = node(
                    "Window",
                    "Window [row_number() ...], [ts#1L ASC NULLS FIRST]",
                    node("Sort", node("Exchange", "Exchange SinglePartition, ENSURE_REQUIREMENTS", range())));
            assertThat(new SinglePartitionRule()
                            .check(subject(run().sql(1, window).build())))
                    .hasSize(1);
        }

        @Test
        void a_partitioned_window_is_quiet() {
            var window = node(
                    "Window",
                    "Window [row_number() ...], [user#2L], [ts#1L ASC NULLS FIRST]",
                    node("Sort", node("Exchange", "Exchange hashpartitioning(user#2L, 200)", range())));
            assertThat(new SinglePartitionRule()
                            .check(subject(run().sql(1, window).build())))
                    .isEmpty();
        }
    }

    @Nested
    class MapSideCombine {
        final MapSideCombineRule rule = new MapSideCombineRule();

        @Test
        void an_rdd_stage_that_shuffles_every_record() {
            var s = stage(1);
            s.inputRecords = 1_000_000;
            s.shuffleWriteRecords = 1_000_000;
            s.shuffleWriteBytes = 8 << 20;
            assertThat(rule.check(subject(run().stage(s).job(0, null, 1).build())))
                    .hasSize(1);
        }

        @Test
        void combined_records_or_sql_stages_are_quiet() {
            var combined = stage(1);
            combined.inputRecords = 1_000_000;
            combined.shuffleWriteRecords = 899_999;
            combined.shuffleWriteBytes = 8 << 20;
            var sql = stage(2);
            sql.inputRecords = 1_000_000;
            sql.shuffleWriteRecords = 1_000_000;
            sql.shuffleWriteBytes = 8 << 20;
            assertThat(rule.check(subject(run().stage(combined)
                            .stage(sql)
                            .job(0, null, 1)
                            .job(1, 7L, 2)
                            .build())))
                    .isEmpty();
        }
    }

    /** A Parquet scan as Spark 4.2 describes it, with its row count and the scan metrics. */
    static PlanNode parquetScan(String partitionFilters, String pushedFilters, long rows, String partitionsRead) {
        Map<String, String> metrics = new java.util.LinkedHashMap<>();
        metrics.put("number of output rows", "" + rows);
        metrics.put("number of files read", "31");
        metrics.put("size of files read", "3.9 MiB");
        if (partitionsRead != null) {
            metrics.put("number of partitions read", partitionsRead);
        }
        return measured(
                "Scan parquet ",
                "FileScan parquet [ts#5,amount#6L,day#7] Batched: true, DataFilters: [isnotnull(ts#5)], Format: Parquet,"
                        + " Location: InMemoryFileIndex(1 paths)[file:/data/events], PartitionFilters: ["
                        + partitionFilters + "], PushedFilters: [" + pushedFilters
                        + "], ReadSchema: struct<amount:bigint>",
                metrics);
    }

    /** Filter(rows kept) over ColumnarToRow over InputAdapter over the scan, as whole-stage codegen prints it. */
    static PlanNode filtered(String condition, long kept, PlanNode scan) {
        return node(
                "WholeStageCodegen (1)",
                measured(
                        "Filter",
                        "Filter " + condition,
                        Map.of("number of output rows", "" + kept),
                        node("ColumnarToRow", node("InputAdapter", scan))));
    }

    @Nested
    class PartitionPruning {
        final PartitionPruningRule rule = new PartitionPruningRule();

        @Test
        void every_partition_read_for_a_filter_on_another_column() {
            var scan = parquetScan("", "IsNotNull(ts), GreaterThanOrEqual(ts,2026-01-07 00:00:00.0)", 300_000, "31");
            var plan = filtered("((isnotnull(ts#5) AND (ts#5 >= 2026-01-07 00:00:00)))", 8_963, scan);
            assertThat(rule.check(subject(run().sql(1, plan).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.numbers()).containsEntry("partitionsRead", 31L);
                        assertThat(o.summary()).contains("all 31 partitions");
                        assertThat(o.fix()).contains("partition column");
                    });
        }

        @Test
        void a_partition_filter_even_through_a_function_or_no_filter_at_all_is_quiet() {
            var pruned = parquetScan("isnotnull(day#7), (cast(day#7 as string) = 2026-01-07)", "", 8_963, "1");
            assertThat(rule.check(subject(run().sql(1, filtered("(amount#6L > 3)", 100, pruned))
                            .build())))
                    .isEmpty();
            var dynamic = parquetScan(
                    "isnotnull(day#7), dynamicpruningexpression(day#7 IN dynamicpruning#75)", "", 42_304, "4");
            assertThat(rule.check(subject(run().sql(1, filtered("(amount#6L > 3)", 100, dynamic))
                            .build())))
                    .isEmpty();
            var everything = parquetScan("isnotnull(day#7)", "", 300_000, "31");
            assertThat(rule.check(subject(run().sql(1, node("Project", node("ColumnarToRow", everything)))
                            .build())))
                    .as("no filter above the scan: the query wanted every row")
                    .isEmpty();
            var unpartitioned = parquetScan("", "", 300_000, null);
            assertThat(rule.check(subject(run().sql(1, filtered("(x#1 = 3)", 10, unpartitioned))
                            .build())))
                    .isEmpty();
        }
    }

    @Nested
    class FilterPushdown {
        final FilterPushdownRule rule = new FilterPushdownRule();

        @Test
        void a_selective_udf_filter_that_reached_no_scan() {
            var scan = parquetScan("", "", 400_000, null);
            assertThat(rule.check(subject(run().sql(1, filtered("UDF(event_time#4L)", 40_000, scan))
                            .build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.numbers()).containsEntry("rowsScanned", 400_000L);
                        assertThat(o.detail()).contains("UDF is a black box");
                    });
        }

        @Test
        void pushed_or_unselective_filters_are_quiet() {
            var pushed = parquetScan(
                    "", "IsNotNull(event_time), GreaterThanOrEqual(event_time,1767585600000)", 50_000, null);
            assertThat(rule.check(subject(run().sql(1, filtered("(event_time#4L >= 1767585600000)", 40_000, pushed))
                            .build())))
                    .isEmpty();
            var scan = parquetScan("", "", 400_000, null);
            assertThat(rule.check(subject(run().sql(1, filtered("UDF(event_time#4L)", 300_000, scan))
                            .build())))
                    .isEmpty();
        }
    }

    @Nested
    class SmallOutputFiles {
        final SmallOutputFilesRule rule =
                new SmallOutputFilesRule(InsightProperties.defaults().smallFiles());

        static PlanNode write(String files, String bytes, String parts) {
            return measured(
                    "Execute InsertIntoHadoopFsRelationCommand",
                    "Execute InsertIntoHadoopFsRelationCommand file:/data/daily, false, [day#4], Parquet",
                    Map.of("number of written files", files, "written output", bytes, "number of dynamic part", parts),
                    node("WriteFiles"));
        }

        @Test
        void a_partitioned_write_of_a_thousand_tiny_files() {
            assertThat(rule.check(
                            subject(run().sql(1, write("1,000", "1.4 MiB", "5")).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.numbers()).containsEntry("files", 1_000L).containsEntry("dynamicParts", 5L);
                        assertThat(o.summary()).contains("200 per partition value");
                        assertThat(o.fix()).contains("repartition(col)");
                    });
        }

        @Test
        void one_file_per_day_or_big_files_are_quiet() {
            assertThat(rule.check(
                            subject(run().sql(1, write("5", "140.0 KiB", "5")).build())))
                    .isEmpty();
            assertThat(rule.check(
                            subject(run().sql(1, write("400", "40.0 GiB", "5")).build())))
                    .isEmpty();
        }
    }
}
