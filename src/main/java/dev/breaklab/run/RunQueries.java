package dev.breaklab.run;

import dev.breaklab.plan.PlanNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The lab's one vocabulary of questions about a run: which stage read the shuffle, how many
 * exchanges ran, which join Spark chose, what a SQL metric says. Lesson evidence, findings, the
 * comparison and the browser (through the snapshot) all ask here, so they cannot disagree. Every
 * answer is read off figures Spark reported; nothing is estimated.
 */
public final class RunQueries {

    private RunQueries() {}

    // ---- stages ----

    /** The completed stage that read the most shuffle data (the join or aggregate side); it must exist. */
    public static StageSnapshot shuffleReadStage(RunSnapshot run) {
        return run.heaviestShuffleReadStage()
                .orElseThrow(() -> new IllegalStateException("no stage read shuffle data"));
    }

    /** Completed stage attempts that wrote shuffle output: the map sides of the run's shuffles. */
    public static List<StageSnapshot> shuffleMapStages(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.shuffleWriteBytes() > 0)
                .toList();
    }

    /**
     * Map stages that computed their rows from scratch: they wrote shuffle data and read neither a
     * shuffle nor any input (files and cached blocks both count as input). Over a generated source
     * such as {@code range()}, one per time the source was computed and shuffled.
     */
    public static List<StageSnapshot> sourceMapStages(RunSnapshot run) {
        return shuffleMapStages(run).stream()
                .filter(s -> s.inputBytes() == 0 && s.shuffleReadBytes() == 0)
                .toList();
    }

    /** Distinct stages that wrote shuffle data: one per map side of every shuffle that really ran. */
    public static long shuffleMapStageCount(RunSnapshot run) {
        return shuffleMapStages(run).stream()
                .map(StageSnapshot::stageId)
                .distinct()
                .count();
    }

    /** Total shuffle bytes written by the run's completed stages. */
    public static long shuffleWritten(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::shuffleWriteBytes)
                .sum();
    }

    /** Total shuffle records written by the run's completed stages: every row that crossed a shuffle. */
    public static long shuffleRecordsWritten(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::shuffleWriteRecords)
                .sum();
    }

    /** Bytes the run's completed stages spilled, as they were in memory ("Spill (Memory)"). */
    public static long memorySpilled(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::memorySpilledBytes)
                .sum();
    }

    /** Bytes the run's completed stages spilled, as written to disk ("Spill (Disk)"). */
    public static long diskSpilled(RunSnapshot run) {
        return run.completedStages().stream()
                .mapToLong(StageSnapshot::diskSpilledBytes)
                .sum();
    }

    /** Garbage-collection time over task run time, summed over the completed stages (0 with no run time). */
    public static double gcShare(RunSnapshot run) {
        long gc = run.completedStages().stream()
                .mapToLong(StageSnapshot::gcTimeMs)
                .sum();
        long ran = run.completedStages().stream()
                .mapToLong(StageSnapshot::executorRunTimeMs)
                .sum();
        return ran == 0 ? 0 : (double) gc / ran;
    }

    /** The completed stage that kept the executors busiest (sum of task run time). */
    public static Optional<StageSnapshot> busiestStage(RunSnapshot run) {
        return run.completedStages().stream().max(Comparator.comparingLong(StageSnapshot::executorRunTimeMs));
    }

    /** The completed stage that read the most input (files): the scan. */
    public static Optional<StageSnapshot> scanStage(RunSnapshot run) {
        return run.completedStages().stream()
                .filter(s -> s.inputBytes() > 0)
                .max(Comparator.comparingLong(StageSnapshot::inputBytes));
    }

    /** The last completed stage of the run (highest stage id): the one that produced the result. */
    public static Optional<StageSnapshot> lastStage(RunSnapshot run) {
        return run.completedStages().stream().max(Comparator.comparingInt(StageSnapshot::stageId));
    }

    /** Distinct stages with an attempt in {@code status} (a retried stage counts once). */
    public static long distinctStages(RunSnapshot run, StageStatus status) {
        return run.stages().stream()
                .filter(s -> s.status() == status)
                .map(StageSnapshot::stageId)
                .distinct()
                .count();
    }

    /** Stages that actually ran (a complete or failed attempt; skipped ones excluded), by stage id. */
    public static long stagesRun(RunSnapshot run) {
        return run.stages().stream()
                .filter(s -> s.status() == StageStatus.COMPLETE || s.status() == StageStatus.FAILED)
                .map(StageSnapshot::stageId)
                .distinct()
                .count();
    }

    /** Stages Spark reported as skipped: their shuffle output already existed. */
    public static long skippedStages(RunSnapshot run) {
        return distinctStages(run, StageStatus.SKIPPED);
    }

    /**
     * The most tasks of one stage attempt that were running at the same moment, from the task launch
     * and finish times Spark reported: how many cores the stage actually used.
     */
    public static int peakConcurrency(RunSnapshot run, StageSnapshot stage) {
        List<long[]> events = new ArrayList<>();
        for (TaskSpan span : run.timeline()) {
            if (span.stageId() == stage.stageId() && span.attemptId() == stage.attemptId() && span.finishTime() > 0) {
                events.add(new long[] {span.launchTime(), 1});
                events.add(new long[] {span.finishTime(), -1});
            }
        }
        // Ends sort before starts at the same millisecond: back-to-back tasks do not overlap.
        events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
        int running = 0;
        int peak = 0;
        for (long[] e : events) {
            running += (int) e[1];
            peak = Math.max(peak, running);
        }
        return peak;
    }

    /** Tasks of the run's widest stage (see {@link RunSnapshot#widestStage()}), 0 when none ran. */
    public static int widestStageTasks(RunSnapshot run) {
        return run.widestStage().map(StageSnapshot::numTasks).orElse(0);
    }

    // ---- plans ----

    /** Every operator of every SQL execution's final plan. */
    public static List<PlanNode> finalOperators(RunSnapshot run) {
        return run.finalPlans().stream().flatMap(PlanNode::stream).toList();
    }

    /** Final-plan operators whose name starts with {@code prefix} and that match {@code test}. */
    public static List<PlanNode> finalNodes(RunSnapshot run, String prefix, Predicate<PlanNode> test) {
        return finalOperators(run).stream()
                .filter(n -> n.nodeName().startsWith(prefix) && test.test(n))
                .toList();
    }

    public static List<PlanNode> finalNodes(RunSnapshot run, String prefix) {
        return finalNodes(run, prefix, n -> true);
    }

    /** Operators of every final plan of the run matching {@code test}. */
    public static long countFinal(RunSnapshot run, Predicate<PlanNode> test) {
        return finalOperators(run).stream().filter(test).count();
    }

    /** Sort operators in the final plans: a sort-merge join sorts each side, a hash join sorts none. */
    public static long finalSorts(RunSnapshot run) {
        return countFinal(run, n -> n.named("Sort"));
    }

    /** Whether a final plan has an operator whose name starts with {@code prefix}. */
    public static boolean finalHas(RunSnapshot run, String prefix) {
        return !finalNodes(run, prefix).isEmpty();
    }

    /**
     * Whether a final plan has the operator with {@code marker} in its name or arguments. Spark puts
     * some markers in the node name itself, e.g. {@code SortMergeJoin(skew=true)}.
     */
    public static boolean finalPlanHas(RunSnapshot run, String prefix, String marker) {
        return !finalNodes(run, prefix, n -> n.marked(marker)).isEmpty();
    }

    /** Shuffle exchanges in the final plans (see {@link PlanNode#isShuffleExchange()}). */
    public static long exchanges(RunSnapshot run) {
        return countFinal(run, PlanNode::isShuffleExchange);
    }

    /** The first join operator of a plan tree, or "none". */
    public static String joinIn(PlanNode tree) {
        return tree.stream().flatMap(n -> n.joinOperator().stream()).findFirst().orElse("none");
    }

    /** Partitionings a shuffle {@code Exchange} names in its arguments, as Spark 4.2 writes them. */
    public static final List<String> PARTITIONINGS =
            List.of("SinglePartition", "hashpartitioning", "rangepartitioning", "RoundRobinPartitioning");

    /**
     * How the first shuffle {@code Exchange} of a plan tree partitions its rows (one of {@link
     * #PARTITIONINGS}, else "other"), or "none" without a shuffle.
     */
    public static String partitioningIn(PlanNode tree) {
        return tree.stream()
                .filter(PlanNode::isShuffleExchange)
                .findFirst()
                .map(exchange -> PARTITIONINGS.stream()
                        .filter(exchange::marked)
                        .findFirst()
                        .orElse("other"))
                .orElse("none");
    }

    /** How the first shuffle of the run's final plans partitions its rows (see {@link #partitioningIn}). */
    public static String exchangePartitioning(RunSnapshot run) {
        return run.finalPlans().stream()
                .map(RunQueries::partitioningIn)
                .filter(p -> !p.equals("none"))
                .findFirst()
                .orElse("none");
    }

    /** The join operator in the run's final plan(s), or "none". */
    public static String joinStrategy(RunSnapshot run) {
        return run.finalPlans().stream()
                .map(RunQueries::joinIn)
                .filter(j -> !j.equals("none"))
                .findFirst()
                .orElse("none");
    }

    /**
     * Every join operator of the run's final plans, in plan order (each execution's tree read from
     * the root down, left input before right): what Spark ran for the query's first, second, ... join.
     */
    public static List<String> joinStrategies(RunSnapshot run) {
        return run.finalPlans().stream()
                .flatMap(tree -> tree.stream().flatMap(n -> n.joinOperator().stream()))
                .toList();
    }

    /** The initial plan (before any AQE re-plan) of the run's first SQL execution that has a plan. */
    public static Optional<PlanVersion> initialPlan(RunSnapshot run) {
        return run.sql().stream().flatMap(s -> s.plans().stream().limit(1)).findFirst();
    }

    /** The join operator of the plan Spark started with (before any AQE re-plan), or "none". */
    public static String initialJoinStrategy(RunSnapshot run) {
        return run.sql().stream()
                .flatMap(s -> s.plans().stream().limit(1))
                .map(v -> joinIn(v.tree()))
                .filter(j -> !j.equals("none"))
                .findFirst()
                .orElse("none");
    }

    /** How many plan versions AQE published after the initial plans (0 without AQE). */
    public static long aqeUpdates(RunSnapshot run) {
        return run.planVersions().stream()
                .filter(v -> v.cause() == PlanCause.AQE_UPDATE)
                .count();
    }

    /** Whether any AQE re-plan changed the plan Spark started with. */
    public static boolean aqeChangedPlan(RunSnapshot run) {
        return run.sql().stream().anyMatch(sql -> sql.plans().stream()
                .anyMatch(p -> p.cause() == PlanCause.AQE_UPDATE
                        && !p.text().equals(sql.plans().get(0).text())));
    }

    /**
     * SQL metric {@code metric} summed over the final-plan operators whose name starts with {@code
     * prefix}; a metric Spark has not reported counts as 0.
     */
    public static long finalMetric(RunSnapshot run, String prefix, String metric) {
        return finalNodes(run, prefix).stream()
                .mapToLong(n -> SparkMetricText.orZero(n, metric))
                .sum();
    }

    // ---- jobs and the driver ----

    /** The run's wall time, from start to end (0 until it has both). */
    public static long wallMs(RunSnapshot run) {
        if (run.startedAt() == null || run.finishedAt() == null) {
            return 0;
        }
        return Math.max(0, run.finishedAt().toEpochMilli() - run.startedAt().toEpochMilli());
    }

    /**
     * Milliseconds of the run's wall time during which at least one of its jobs was running: the
     * union of the job intervals (submitted to completed; a job not yet completed runs to the end).
     */
    public static long jobCoveredMs(RunSnapshot run) {
        if (run.startedAt() == null || run.finishedAt() == null) {
            return 0;
        }
        long start = run.startedAt().toEpochMilli();
        long end = run.finishedAt().toEpochMilli();
        List<long[]> spans = new ArrayList<>();
        for (JobSnapshot job : run.jobs()) {
            if (job.submittedAt() == null) {
                continue;
            }
            long from = Math.max(start, job.submittedAt().toEpochMilli());
            long to = Math.min(
                    end, job.completedAt() == null ? end : job.completedAt().toEpochMilli());
            if (to > from) {
                spans.add(new long[] {from, to});
            }
        }
        spans.sort(Comparator.comparingLong(s -> s[0]));
        long covered = 0;
        long reach = Long.MIN_VALUE;
        for (long[] span : spans) {
            if (span[1] <= reach) {
                continue;
            }
            covered += span[1] - Math.max(span[0], reach);
            reach = span[1];
        }
        return covered;
    }

    /**
     * Driver time outside jobs: the run's wall time minus the union of its job intervals. While no
     * job runs the executors are idle and only the driver works: analysing, optimizing and planning
     * queries, compiling generated code, collecting results, or running plain driver code.
     */
    public static long driverOnlyMs(RunSnapshot run) {
        return Math.max(0, wallMs(run) - jobCoveredMs(run));
    }

    // ---- file scans and writes ----

    /** Operators between a {@code Filter} and the scan under it that change no rows. */
    private static final List<String> PASS_THROUGH = List.of("ColumnarToRow", "InputAdapter", "WholeStageCodegen");

    /** The final plans' file scans: the operators reporting Spark's "number of files read". */
    public static List<PlanNode> fileScans(RunSnapshot run) {
        return finalOperators(run).stream()
                .filter(n -> n.nodeName().startsWith("Scan ")
                        && SparkMetricText.value(n, "number of files read").isPresent())
                .toList();
    }

    /**
     * One list of a file scan's description as Spark prints it, e.g. {@code PartitionFilters:
     * [isnotnull(day#7), (day#7 = 2026-01-07)]}: its entries split at the top-level commas, empty when
     * Spark printed {@code []} or no such entry. Spark abbreviates a value longer than
     * spark.sql.maxMetadataStringLength (100) with "...": the last entry is then cut short.
     */
    public static List<String> scanList(PlanNode scan, String key) {
        String text = scan.simpleString() == null ? "" : scan.simpleString();
        int start = text.indexOf(key + ": [");
        if (start < 0) {
            return List.of();
        }
        List<String> entries = new ArrayList<>();
        StringBuilder entry = new StringBuilder();
        int depth = 0;
        for (int i = start + key.length() + 3; i < text.length(); i++) {
            char c = text.charAt(i);
            if (depth == 0 && (c == ']' || c == ',')) {
                if (!entry.toString().isBlank()) {
                    entries.add(entry.toString().strip());
                }
                entry.setLength(0);
                if (c == ']') {
                    break;
                }
                continue;
            }
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            }
            entry.append(c);
            if (depth > 0 && entry.toString().endsWith("...")) {
                entries.add(entry.toString().strip());
                break;
            }
        }
        return List.copyOf(entries);
    }

    /**
     * The predicates of a scan's PartitionFilters that select partitions: every entry but the {@code
     * isnotnull(...)} Spark adds for the join or filter column. Empty: the scan read every partition.
     */
    public static List<String> pruningFilters(PlanNode scan) {
        return scanList(scan, "PartitionFilters").stream()
                .filter(f -> !f.startsWith("isnotnull("))
                .toList();
    }

    /**
     * The {@code Filter} operator directly over {@code scan} in {@code roots} (through the row
     * conversion and codegen wrappers that change no rows), if any: the rows a filter dropped after
     * the scan had produced them.
     */
    public static Optional<PlanNode> filterOver(List<PlanNode> roots, PlanNode scan) {
        return roots.stream()
                .flatMap(PlanNode::stream)
                .filter(n -> n.nodeName().equals("Filter") && reaches(n, scan))
                .findFirst();
    }

    private static boolean reaches(PlanNode filter, PlanNode scan) {
        PlanNode node = filter;
        while (node.children().size() == 1) {
            node = node.children().get(0);
            if (node == scan) {
                return true;
            }
            String name = node.nodeName();
            if (PASS_THROUGH.stream().noneMatch(name::startsWith)) {
                return false;
            }
        }
        return false;
    }

    /**
     * The final plans' file writes: the operators reporting Spark's "number of written files" (an
     * {@code Execute InsertIntoHadoopFsRelationCommand} for a DataFrame or SQL write to files).
     */
    public static List<PlanNode> fileWrites(RunSnapshot run) {
        return finalOperators(run).stream()
                .filter(n -> SparkMetricText.value(n, "number of written files").isPresent())
                .toList();
    }

    // ---- the run's settings ----

    /** A knob's value as the run recorded it. */
    public static long knob(RunSnapshot run, String name) {
        Object value = run.knobs().get(name);
        if (!(value instanceof Number n)) {
            throw new IllegalStateException("the run has no numeric knob " + name);
        }
        return n.longValue();
    }

    /** A Spark SQL setting of the run, else Spark's default. */
    public static String conf(RunSnapshot run, String key, String sparkDefault) {
        String value = run.conf().get(key);
        return value == null ? sparkDefault : value;
    }

    public static boolean confTrue(RunSnapshot run, String key, boolean sparkDefault) {
        return Boolean.parseBoolean(conf(run, key, Boolean.toString(sparkDefault)));
    }
}
