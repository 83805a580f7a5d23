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
import dev.breaklab.run.StageStatus;
import dev.breaklab.run.TaskOutcome;
import dev.breaklab.run.TaskPhases;
import dev.breaklab.run.TaskSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every rule on synthetic snapshots: it fires at its threshold and stays quiet just below it. */
class RulesTests {

    static final InsightProperties T = InsightProperties.defaults();

    @Nested
    class Skew {
        final SkewRule rule = new SkewRule(T.skew());

        @Test
        void straggler_in_time_and_read_is_critical() {
            var s = stage(9);
            s.durations = q(8, 200, 1_000);
            s.reads = q(8, 400_000, 2_000_000);
            s.durationMs = 1_500L;
            var found = rule.check(subject(run().stage(s).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.kind()).isEqualTo("skew");
                assertThat(o.severity()).isEqualTo(Severity.CRITICAL);
                assertThat(o.stageId()).isEqualTo(9);
                assertThat(o.numbers()).containsEntry("durationMaxOverMedian", 5.0);
                assertThat(o.fixConf()).containsEntry("spark.sql.adaptive.skewJoin.enabled", "true");
            });
        }

        @Test
        void just_under_the_ratio_is_quiet() {
            var s = stage(9);
            s.durations = q(8, 200, 999);
            s.reads = q(8, 400_000, 1_999_000);
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }

        @Test
        void read_skew_alone_is_a_warning() {
            var s = stage(9);
            s.durations = q(8, 200, 300);
            s.reads = q(8, 200_000, 1_048_576);
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .extracting(Observation::severity)
                    .isEqualTo(Severity.WARNING);
        }

        @Test
        void a_slow_task_with_an_even_shuffle_read_is_not_skew() {
            var s = stage(9);
            s.durations = q(8, 200, 1_000);
            s.reads = q(8, 400_000, 500_000);
            s.durationMs = 1_500L;
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }

        @Test
        void short_or_few_tasks_are_not_stragglers() {
            var fast = stage(1);
            fast.durations = q(2_000, 1, 240);
            fast.durationMs = 300L;
            var few = stage(2);
            few.durations = q(3, 100, 2_000);
            assertThat(rule.check(subject(run().stage(fast).stage(few).build())))
                    .isEmpty();
        }

        @Test
        void a_slow_task_that_does_not_hold_up_the_stage_is_not_a_straggler() {
            var s = stage(1);
            s.durations = q(2_000, 2, 300);
            s.durationMs = 5_000L;
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }
    }

    @Nested
    class Spill {
        final SpillRule rule = new SpillRule(T.spill());

        @Test
        void any_spill_is_reported_with_the_spilling_operator() {
            var s = stage(3);
            s.memorySpilled = 64 << 20;
            s.diskSpilled = 1 << 20;
            s.shuffleReadBytes = 100 << 20;
            PlanNode sort =
                    measured("Sort", "Sort [k]", Map.of("spill size", "total (min, med, max)\n64.0 MiB (0, 0, 0)"));
            var found =
                    rule.check(subject(run().stage(s).sql(1, node("Root", sort)).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.severity()).isEqualTo(Severity.WARNING);
                assertThat(o.operator()).isEqualTo("Sort");
                assertThat(o.fixConf()).containsEntry("spark.sql.shuffle.partitions", "800");
            });
        }

        @Test
        void disk_spill_over_a_tenth_of_the_input_is_critical() {
            var s = stage(3);
            s.memorySpilled = 64 << 20;
            s.diskSpilled = 10 << 20;
            s.shuffleReadBytes = 100 << 20;
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .extracting(Observation::severity)
                    .isEqualTo(Severity.CRITICAL);
        }

        @Test
        void no_spill_no_finding() {
            assertThat(rule.check(subject(run().stage(stage(3)).build()))).isEmpty();
        }
    }

    @Nested
    class TimeSkew {
        final TimeSkewRule rule = new TimeSkewRule(T.skew());

        @Test
        void a_slow_task_with_an_even_shuffle_read_is_a_warning_that_blames_no_data() {
            var s = stage(9);
            s.durations = q(8, 200, 1_000);
            s.reads = q(8, 400_000, 500_000);
            s.durationMs = 1_500L;
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.kind()).isEqualTo("time-skew");
                        assertThat(o.severity()).isEqualTo(Severity.WARNING);
                        assertThat(o.summary()).contains("5.0x the median").endsWith("not a data problem");
                    });
        }

        @Test
        void a_read_skew_is_left_to_the_skew_rule_and_a_scan_is_not_judged() {
            var skewed = stage(1);
            skewed.durations = q(8, 200, 1_000);
            skewed.reads = q(8, 400_000, 2_000_000);
            skewed.durationMs = 1_500L;
            var scan = stage(2);
            scan.durations = q(8, 200, 1_000);
            scan.inputBytes = 10_000_000;
            scan.durationMs = 1_500L;
            var even = stage(3);
            even.durations = q(8, 200, 999);
            even.reads = q(8, 400_000, 500_000);
            assertThat(rule.check(
                            subject(run().stage(skewed).stage(scan).stage(even).build())))
                    .isEmpty();
        }
    }

    @Nested
    class TaskPhasesOfAStage {
        final TaskPhasesRule rule = new TaskPhasesRule(T.taskPhases(), T.tinyTasks());

        @Test
        void a_stage_waiting_for_shuffle_fetches_says_how_much_of_its_time() {
            var s = stage(3);
            s.phases = new TaskPhases(100, 50, 3_100, 1_700, 50, 0, 0, 1_500, 40);
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.kind()).isEqualTo("task-phases");
                        assertThat(o.severity()).isEqualTo(Severity.CRITICAL);
                        assertThat(o.summary())
                                .isEqualTo(
                                        "Stage 3 spent 62% of its task time waiting for shuffle fetches (3.1 s of 5.0 s)");
                        assertThat(o.numbers())
                                .containsEntry("phase", "SHUFFLE_FETCH_WAIT")
                                .containsEntry("share", 0.62);
                    });
        }

        @Test
        void computing_under_the_share_or_too_little_time_is_quiet() {
            var computing = stage(1);
            computing.phases = new TaskPhases(100, 100, 500, 4_000, 300, 0, 0, 3_900, 100);
            var underShare = stage(2);
            underShare.phases = new TaskPhases(0, 0, 1_990, 3_010, 0, 0, 0, 0, 0);
            var short_ = stage(3);
            short_.phases = new TaskPhases(0, 0, 1_900, 0, 0, 0, 0, 0, 0);
            assertThat(rule.check(subject(run().stage(computing)
                            .stage(underShare)
                            .stage(short_)
                            .build())))
                    .isEmpty();
        }

        @Test
        void tiny_tasks_overhead_is_the_tiny_tasks_finding_not_this_one() {
            var tiny = stage(1);
            tiny.numTasks = 2_000;
            tiny.durations = q(2_000, 5, 40);
            tiny.phases = new TaskPhases(6_000, 2_000, 0, 2_000, 0, 0, 0, 0, 0);
            var heavy = stage(2);
            heavy.phases = new TaskPhases(6_000, 0, 0, 4_000, 0, 0, 0, 0, 0);
            assertThat(rule.check(subject(run().stage(tiny).stage(heavy).build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.stageId()).isEqualTo(2))
                    .satisfies(o -> assertThat(o.summary()).contains("60% of its task time in scheduler delay"));
        }

        @Test
        void a_task_is_split_as_the_spark_ui_splits_it() {
            // launch 1000, finish 2000; result fetched from 1900; 50 ms deserialize, 700 ms run of which
            // 200 fetch wait and 100 ms (in ns) shuffle write, 30 ms result serialization.
            TaskPhases p = TaskPhases.ofTask(1_000, 2_000, 1_900, 50, 700, 200, 100_000_000, 30, 600_000_000, 20);
            assertThat(p).isEqualTo(new TaskPhases(120, 50, 200, 400, 100, 30, 100, 600, 20));
            assertThat(p.totalMs()).isEqualTo(1_000);
        }
    }

    @Nested
    class TinyTasks {
        final TinyTasksRule rule = new TinyTasksRule(T.tinyTasks());

        @Test
        void many_tiny_tasks_with_their_overhead_share() {
            var s = stage(1);
            s.numTasks = 2_000;
            s.durations = q(2_000, 20, 200);
            s.shuffleReadBytes = 100_000;
            s.durationMs = 10_000L;
            s.executorRunTimeMs = 4_000;
            var found = rule.check(subject(run().stage(s).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.severity()).isEqualTo(Severity.CRITICAL);
                assertThat(o.numbers()).containsEntry("overheadShare", 0.8);
                assertThat(o.fixConf()).containsEntry("spark.sql.adaptive.coalescePartitions.enabled", "true");
            });
        }

        @Test
        void a_longer_median_more_data_per_task_or_fewer_tasks_is_quiet() {
            var slower = stage(1);
            slower.numTasks = 2_000;
            slower.durations = q(2_000, 501, 900);
            var fuller = stage(2);
            fuller.numTasks = 2_000;
            fuller.durations = q(2_000, 5, 20);
            fuller.shuffleReadBytes = 2_000L * (1 << 20) + 2_000;
            var fewer = stage(3);
            fewer.numTasks = 31;
            fewer.durations = q(31, 2, 20);
            assertThat(rule.check(subject(
                            run().stage(slower).stage(fuller).stage(fewer).build())))
                    .isEmpty();
        }

        @Test
        void exactly_a_megabyte_per_task_is_still_tiny() {
            var s = stage(1);
            s.numTasks = 200;
            s.durations = q(200, 500, 900);
            s.shuffleReadBytes = 200L * (1 << 20);
            assertThat(rule.check(subject(run().stage(s).build()))).hasSize(1);
        }
    }

    @Nested
    class Parallelism {
        final ParallelismRule rule = new ParallelismRule(T.parallelism());

        @Test
        void one_long_task_on_two_cores_leaves_half_idle() {
            var s = stage(4);
            s.numTasks = 1;
            s.durationMs = 2_000L;
            s.executorRunTimeMs = 1_900;
            s.shuffleReadBytes = 1_000;
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.kind()).isEqualTo("low-parallelism");
                        assertThat(o.numbers()).containsEntry("idleCoreShare", 0.53);
                        assertThat(o.fixConf()).containsEntry("spark.sql.shuffle.partitions", "4");
                    });
        }

        @Test
        void short_stages_and_full_stages_are_quiet() {
            var shortStage = stage(4);
            shortStage.numTasks = 1;
            shortStage.durationMs = 499L;
            shortStage.executorRunTimeMs = 400;
            var full = stage(5);
            full.numTasks = 2;
            full.durationMs = 5_000L;
            assertThat(rule.check(subject(run().stage(shortStage).stage(full).build())))
                    .isEmpty();
        }

        @Test
        void aqe_coalescing_to_one_partition_without_parallelism_first_points_at_that_setting() {
            var s = stage(4);
            s.numTasks = 1;
            s.durationMs = 2_000L;
            s.executorRunTimeMs = 1_900;
            var plan = node("AdaptiveSparkPlan", node("AQEShuffleRead", "AQEShuffleRead coalesced"));
            var found = rule.check(subject(run().stage(s)
                    .conf("spark.sql.adaptive.coalescePartitions.parallelismFirst", "false")
                    .sql(1, plan, plan)
                    .build()));
            assertThat(found.get(0).fixConf())
                    .containsEntry("spark.sql.adaptive.coalescePartitions.parallelismFirst", "true");
        }
    }

    @Nested
    class ShuffleExplosion {
        final ShuffleExplosionRule rule = new ShuffleExplosionRule(T.shuffleExplosion());

        @Test
        void five_times_the_records_read_is_an_explosion_even_from_a_range() {
            var s = stage(2);
            s.inputRecords = 100_000;
            s.shuffleWriteRecords = 500_000;
            s.shuffleWriteBytes = 8 << 20;
            var generate = measured("Generate", "Generate explode", Map.of("number of output rows", "500,000"));
            var found = rule.check(
                    subject(run().stage(s).sql(1, node("Root", generate)).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.operator()).isEqualTo("Generate");
                assertThat(o.numbers()).containsEntry("growth", 5.0);
            });
        }

        @Test
        void below_the_ratio_or_the_size_floor_is_quiet() {
            var s = stage(2);
            s.inputRecords = 100_000;
            s.shuffleWriteRecords = 499_000;
            s.shuffleWriteBytes = 8 << 20;
            var small = stage(3);
            small.inputRecords = 10;
            small.shuffleWriteRecords = 10_000;
            small.shuffleWriteBytes = 1_000;
            assertThat(rule.check(subject(run().stage(s).stage(small).build()))).isEmpty();
        }

        @Test
        void bytes_are_compared_when_there_are_no_records() {
            var s = stage(2);
            s.inputBytes = 1 << 20;
            s.shuffleWriteBytes = 5 << 20;
            assertThat(rule.check(subject(run().stage(s).build()))).hasSize(1);
        }
    }

    @Nested
    class Broadcast {
        final BroadcastRule rule = new BroadcastRule(T.broadcast());

        @Test
        void a_big_build_side_is_reported_with_its_metrics() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange HashedRelationBroadcastMode",
                    Map.of(
                            "data size", "12.0 MiB",
                            "number of output rows", "100,000",
                            "time to build", "120 ms",
                            "time to collect", "300 ms"));
            var found = rule.check(
                    subject(run().sql(1, node("BroadcastHashJoin", bx)).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("dataSizeBytes", 12L << 20);
                assertThat(o.numbers()).containsEntry("collectMs", 300L);
            });
        }

        @Test
        void the_broadcast_timeout_is_advice_only_with_aqe_off() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "12.0 MiB", "number of output rows", "200,000", "time to collect", "2.0 s"));
            var plan = node("BroadcastHashJoin", bx);
            assertThat(rule.check(subject(run().sql(1, plan).build())))
                    .as("AQE on by default: its broadcast stages have no deadline (SPARK-36414)")
                    .singleElement()
                    .satisfies(o -> assertThat(o.fix()).doesNotContain("broadcastTimeout"));
            assertThat(rule.check(subject(run().sql(1, plan)
                            .conf("spark.sql.adaptive.enabled", "false")
                            .build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.fix()).contains("spark.sql.broadcastTimeout"));
        }

        @Test
        void a_big_hash_relation_of_few_rows_is_no_large_broadcast() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "64.0 MiB", "number of output rows", "1,000", "time to build", "8 ms"));
            assertThat(rule.check(
                            subject(run().sql(1, node("BroadcastHashJoin", bx)).build())))
                    .isEmpty();
        }

        @Test
        void large_means_above_what_spark_would_broadcast_unasked() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "12.0 MiB", "number of output rows", "200,000", "time to build", "80 ms"));
            var plan = node("BroadcastHashJoin", bx);
            assertThat(rule.check(subject(run().sql(1, plan).build()))).hasSize(1);
            assertThat(rule.check(subject(run().sql(1, plan)
                            .conf("spark.sql.autoBroadcastJoinThreshold", "64MB")
                            .build())))
                    .as("under the run's own 64 MB threshold")
                    .isEmpty();
            var underDefault = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "8.0 MiB", "number of output rows", "200,000", "time to build", "80 ms"));
            assertThat(rule.check(subject(run().sql(1, node("BroadcastHashJoin", underDefault))
                            .conf("spark.sql.autoBroadcastJoinThreshold", "-1")
                            .build())))
                    .as("threshold -1 falls back to Spark's 10 MB default")
                    .isEmpty();
        }

        @Test
        void a_slow_build_of_few_rows_is_quiet() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "64.0 MiB", "number of output rows", "1,000", "time to build", "1.9 s"));
            assertThat(rule.check(
                            subject(run().sql(1, node("BroadcastHashJoin", bx)).build())))
                    .isEmpty();
        }

        @Test
        void a_small_quick_broadcast_is_quiet() {
            var bx = measured(
                    "BroadcastExchange",
                    "BroadcastExchange",
                    Map.of("data size", "3.9 MiB", "time to build", "900 ms"));
            assertThat(rule.check(
                            subject(run().sql(1, node("BroadcastHashJoin", bx)).build())))
                    .isEmpty();
        }

        @Test
        void a_build_side_over_the_guard_is_critical() {
            var plan = node("BroadcastHashJoin", node("BroadcastExchange"));
            var found = rule.check(subject(run().sql(1, plan)
                    .failed(
                            "SparkException",
                            "Total size of serialized results of 3 tasks (20.0 MiB) is bigger than"
                                    + " spark.driver.maxResultSize (16.0 MiB)")
                    .build()));
            assertThat(found).singleElement().extracting(Observation::severity).isEqualTo(Severity.CRITICAL);
        }
    }

    @Nested
    class Gc {
        final GcRule rule = new GcRule(T.gc());

        @Test
        void a_tenth_of_task_time_in_gc_is_reported() {
            var s = stage(1);
            s.executorRunTimeMs = 2_000;
            s.gcTimeMs = 200;
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.severity()).isEqualTo(Severity.WARNING));
        }

        @Test
        void less_gc_or_a_short_stage_is_quiet() {
            var s = stage(1);
            s.executorRunTimeMs = 2_000;
            s.gcTimeMs = 199;
            var shortStage = stage(2);
            shortStage.executorRunTimeMs = 999;
            shortStage.gcTimeMs = 500;
            assertThat(rule.check(subject(run().stage(s).stage(shortStage).build())))
                    .isEmpty();
        }
    }

    @Nested
    class HeapObjects {
        final HeapObjectsRule rule = new HeapObjectsRule();

        @Test
        void rdd_code_holding_records_as_objects_is_reported_whatever_the_gc() {
            var s = stage(1);
            s.executorRunTimeMs = 2_000;
            s.gcTimeMs = 0;
            s.inputRecords = 100_000;
            assertThat(rule.check(subject(run().stage(s).job(0, null, 1).build())))
                    .singleElement()
                    .satisfies(o -> assertThat(o.summary()).contains("Java objects"));
            assertThat(new GcRule(T.gc())
                            .check(subject(run().stage(s).job(0, null, 1).build())))
                    .as("no GC share to report")
                    .isEmpty();
        }

        @Test
        void dataframe_jobs_managed_memory_and_few_records_are_quiet() {
            var s = stage(1);
            s.inputRecords = 100_000;
            assertThat(rule.check(subject(run().stage(s).job(0, 3L, 1).build())))
                    .as("the same stage in a DataFrame job")
                    .isEmpty();
            var managed = stage(2);
            managed.inputRecords = 100_000;
            managed.peakExecutionMemory = 1L << 20;
            var few = stage(3);
            few.inputRecords = 99_999;
            assertThat(rule.check(subject(
                            run().stage(managed).stage(few).job(0, null, 2, 3).build())))
                    .isEmpty();
        }
    }

    @Nested
    class OutOfMemory {
        final OutOfMemoryRule rule = new OutOfMemoryRule();

        @Test
        void sparks_own_out_of_memory_error_in_the_failed_stage() {
            var s = stage(3);
            s.failedTasks = 4;
            s.status = StageStatus.FAILED;
            s.failureReason = "Job aborted due to stage failure: Task 0 in stage 3.0 failed 4 times, most recent"
                    + " failure: Lost task 0.3 in stage 3.0 (TID 9) (127.0.0.1 executor 1):"
                    + " org.apache.spark.memory.SparkOutOfMemoryError: There is not enough memory to build hash map.";
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.severity()).isEqualTo(Severity.CRITICAL);
                        assertThat(o.stageId()).isEqualTo(3);
                        assertThat(o.summary()).contains("SparkOutOfMemoryError");
                        assertThat(o.numbers()).containsEntry("failedTasks", 4L);
                    });
        }

        @Test
        void other_failures_are_not_out_of_memory() {
            var s = stage(1);
            s.failedTasks = 1;
            s.failureReason = "org.apache.spark.shuffle.FetchFailedException: ...";
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }
    }

    @Nested
    class NetworkShuffle {
        final NetworkShuffleRule rule = new NetworkShuffleRule();

        @Test
        void a_stage_reading_most_of_its_shuffle_from_other_executors() {
            var s = stage(2);
            s.shuffleReadBytes = 100L << 20;
            s.shuffleRemoteBytesRead = 50L << 20;
            assertThat(rule.check(subject(run().stage(s).build())))
                    .singleElement()
                    .satisfies(o -> {
                        assertThat(o.stageId()).isEqualTo(2);
                        assertThat(o.numbers())
                                .containsEntry("remoteBytesRead", 50L << 20)
                                .containsEntry("localBytesRead", 50L << 20);
                    });
        }

        @Test
        void a_local_shuffle_is_not_reported() {
            var s = stage(2);
            s.shuffleReadBytes = 100L << 20;
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }
    }

    @Nested
    class Retries {
        final RetriesRule rule = new RetriesRule();

        @Test
        void a_fetch_failure_and_a_stage_retry() {
            var first = stage(1);
            first.failedTasks = 1;
            first.status = StageStatus.FAILED;
            first.failureReason = "org.apache.spark.shuffle.FetchFailedException: ...";
            var retry = stage(1);
            retry.attemptId = 1;
            var found = rule.check(subject(run().stage(first).stage(retry).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.numbers()).containsEntry("stageRetries", 1).containsEntry("stagesWithFetchFailures", 1);
                assertThat(o.severity()).isEqualTo(Severity.WARNING);
                assertThat(o.stageId()).isEqualTo(1);
            });
        }

        @Test
        void killed_tasks_are_not_failures() {
            var s = stage(1);
            s.killedTasks = 3;
            s.slowest = List.of(new TaskSummary(1, 0, "driver", 10, 0, TaskOutcome.KILLED));
            assertThat(rule.check(subject(run().stage(s).build()))).isEmpty();
        }
    }

    @Nested
    class ResultSize {
        final ResultSizeRule rule = new ResultSizeRule(T.resultSize());

        @Test
        void the_guard_tripping_is_read_from_sparks_message() {
            var found = rule.check(subject(run().failed(
                            "SparkException",
                            "Job aborted due to stage failure: Total size of serialized results of 9 tasks (17.5 MiB)"
                                    + " is bigger than spark.driver.maxResultSize (16.0 MiB)")
                    .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.severity()).isEqualTo(Severity.CRITICAL);
                assertThat(o.numbers())
                        .containsEntry("tasks", 9L)
                        .containsEntry("resultBytes", Math.round(17.5 * 1024 * 1024))
                        .containsEntry("maxResultSizeBytes", 16L << 20);
            });
        }

        @Test
        void close_to_the_guard_warns_and_below_is_quiet() {
            var close = stage(1);
            close.resultSize = (long) Math.ceil(0.8 * (16 << 20));
            var below = stage(2);
            below.resultSize = (long) (0.79 * (16 << 20));
            var found = rule.check(subject(run().stage(close).stage(below).build()));
            assertThat(found).singleElement().extracting(Observation::stageId).isEqualTo(1);
        }
    }

    @Nested
    class AqeExplanations {

        @Test
        void coalesced_from_n_to_m() {
            var read = measured(
                    "AQEShuffleRead",
                    "AQEShuffleRead coalesced",
                    Map.of("number of partitions", "3", "number of empty partitions", "1,194"),
                    node(
                            "ShuffleQueryStage",
                            node("Exchange", "Exchange hashpartitioning(k#1L, 2000), ENSURE_REQUIREMENTS")));
            var found = new AqeCoalesceRule()
                    .check(subject(run().sql(1, node("AdaptiveSparkPlan", read)).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.summary()).isEqualTo("AQE coalesced 2,000 shuffle partitions into 3");
                assertThat(o.numbers()).containsEntry("partitionsBefore", 2000L).containsEntry("partitionsAfter", 3L);
                assertThat(o.severity()).isEqualTo(Severity.INFO);
            });
        }

        @Test
        void no_coalesced_read_no_explanation() {
            var read = node("AQEShuffleRead", "AQEShuffleRead local");
            assertThat(new AqeCoalesceRule()
                            .check(subject(run().sql(1, node("AdaptiveSparkPlan", read))
                                    .build())))
                    .isEmpty();
        }

        @Test
        void skew_split_into_k_pieces() {
            var read = measured(
                    "AQEShuffleRead",
                    "AQEShuffleRead skewed",
                    Map.of("number of skewed partitions", "1", "number of skewed partition splits", "8"));
            var join = node("SortMergeJoin(skew=true)", "SortMergeJoin(skew=true) [k], [k], Inner", read);
            var found = new AqeSkewSplitRule()
                    .check(subject(run().sql(1, node("AdaptiveSparkPlan", join)).build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.summary()).isEqualTo("AQE split 1 skewed partition(s) of the join into 8 tasks");
                assertThat(o.operator()).isEqualTo("SortMergeJoin(skew=true)");
            });
            var plain = node("SortMergeJoin", "SortMergeJoin [k], [k], Inner", read);
            assertThat(new AqeSkewSplitRule().check(subject(run().sql(1, plain).build())))
                    .isEmpty();
        }

        @Test
        void join_switched_with_the_runtime_size_against_the_threshold() {
            PlanNode initial = node(
                    "AdaptiveSparkPlan",
                    node(
                            "SortMergeJoin",
                            node("Exchange", "Exchange hashpartitioning(k, 8)"),
                            node("Exchange", "Exchange hashpartitioning(k, 8)")));
            PlanNode last = node(
                    "AdaptiveSparkPlan",
                    node(
                            "BroadcastHashJoin",
                            node("AQEShuffleRead", "AQEShuffleRead local", node("ShuffleQueryStage", node("Exchange"))),
                            node(
                                    "BroadcastQueryStage",
                                    node(
                                            "BroadcastExchange",
                                            node(
                                                    "ShuffleQueryStage",
                                                    measured(
                                                            "Exchange",
                                                            "Exchange",
                                                            Map.of("data size", "1.5 KiB")))))));
            var found = new AqeJoinSwitchRule()
                    .check(subject(run().conf("spark.sql.adaptive.autoBroadcastJoinThreshold", "10MB")
                            .sql(1, initial, last)
                            .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.summary())
                        .isEqualTo("AQE switched SortMergeJoin to BroadcastHashJoin: one side was 1.5 KiB at runtime,"
                                + " under the 10.0 MiB broadcast threshold");
                assertThat(o.numbers()).containsEntry("runtimeSizeBytes", 1536L);
            });
        }

        @Test
        void a_broadcast_planned_up_front_is_no_switch() {
            PlanNode plan = node(
                    "AdaptiveSparkPlan",
                    node("BroadcastHashJoin", node("Range"), node("BroadcastExchange", node("Range"))));
            assertThat(new AqeJoinSwitchRule()
                            .check(subject(run().sql(1, plan, plan).build())))
                    .isEmpty();
        }

        @Test
        void skew_split_declined_because_an_aggregation_above_needs_the_partitioning() {
            var join = node("SortMergeJoin", "SortMergeJoin [k], [k], Inner", node("AQEShuffleRead"));
            var plan = node(
                    "AdaptiveSparkPlan", node("HashAggregate", "HashAggregate(keys=[k], functions=[count(1)])", join));
            var s = stage(3);
            s.reads = q(8, 100_000, 2 << 20);
            var found = new AqeSkewDeclinedRule()
                    .check(subject(run().stage(s)
                            .conf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "1m")
                            .sql(1, plan, plan)
                            .build()));
            assertThat(found).singleElement().satisfies(o -> {
                assertThat(o.detail()).contains("extra shuffle");
                assertThat(o.fixConf()).containsEntry("spark.sql.adaptive.forceOptimizeSkewedJoin", "true");
            });
        }

        @Test
        void no_decline_when_forced_split_or_under_the_threshold() {
            var join = node("SortMergeJoin", "SortMergeJoin [k], [k], Inner");
            var plan = node("AdaptiveSparkPlan", join);
            var s = stage(3);
            s.reads = q(8, 100_000, 2 << 20);
            assertThat(new AqeSkewDeclinedRule()
                            .check(subject(run().stage(s)
                                    .conf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", "1m")
                                    .conf("spark.sql.adaptive.forceOptimizeSkewedJoin", "true")
                                    .sql(1, plan, plan)
                                    .build())))
                    .isEmpty();
            assertThat(new AqeSkewDeclinedRule()
                            .check(subject(run().stage(s).sql(1, plan, plan).build())))
                    .as("2 MiB is under the default 256 MiB skew threshold")
                    .isEmpty();
        }
    }
}
