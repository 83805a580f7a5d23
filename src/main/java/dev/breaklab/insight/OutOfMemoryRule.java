package dev.breaklab.insight;

import dev.breaklab.run.Severity;
import dev.breaklab.run.StageSnapshot;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A task ran out of memory on its executor: Spark's own {@code SparkOutOfMemoryError} (an operator
 * that cannot spill asked the memory manager for more execution memory than the executor has; the
 * executor lives on) or the JVM's {@code OutOfMemoryError} (the heap itself is full; Spark's
 * uncaught-exception handler ends the executor with exit code 52). Either way the failure reason of
 * the stage, or the run's error, names it.
 */
record OutOfMemoryRule() implements Rule {

    static final String KIND = "out-of-memory";

    private static final List<String> MARKERS =
            List.of("SparkOutOfMemoryError", "java.lang.OutOfMemoryError", "not enough memory to build hash map");

    @Override
    public List<Observation> check(Subject subject) {
        Optional<StageSnapshot> stage = subject.run().stages().stream()
                .filter(s -> mentionsOom(s.failureReason()))
                .findFirst();
        Optional<String> reason = Stream.concat(
                        stage.map(StageSnapshot::failureReason).stream(), subject.errorMessage().stream())
                .filter(OutOfMemoryRule::mentionsOom)
                .findFirst();
        if (reason.isEmpty()) {
            return List.of();
        }
        boolean sparks = reason.get().contains("SparkOutOfMemoryError")
                || reason.get().contains("not enough memory to build hash map");
        long failedTasks = subject.run().stages().stream()
                .mapToLong(StageSnapshot::failedTasks)
                .sum();
        Observation.Builder observation = Observation.of(KIND, Severity.CRITICAL)
                .summary(
                        "A task ran out of memory on its executor (%s)%s",
                        sparks
                                ? "Spark's SparkOutOfMemoryError: an operator could not get execution memory"
                                : "the JVM's OutOfMemoryError: the executor's heap was full",
                        failedTasks > 1 ? "; " + failedTasks + " failed attempts, each on the same data" : "")
                .detail("Each task gets a share of its executor's execution memory (spark.executor.memory minus 300 MB"
                        + " reserved, times spark.memory.fraction 0.6, shared with storage, divided among the"
                        + " running tasks). Sorts and aggregations spill to disk when their share runs out; a"
                        + " shuffled hash join's build side, a broadcast relation and collect_list / collect_set"
                        + " over one key must fit. A retry reads the same partition into the same memory and"
                        + " fails the same way, so after spark.task.maxFailures attempts the job fails.")
                .fix("Make the partition smaller (more shuffle partitions; split a hot key), use an operator that"
                        + " spills (sort-merge join: the MERGE hint or spark.sql.join.preferSortMergeJoin), or give the"
                        + " executor more memory per task (spark.executor.memory, fewer spark.executor.cores).")
                .numbers("failedTasks", failedTasks);
        stage.ifPresent(s -> observation.stage(s.stageId()));
        return List.of(observation.build());
    }

    private static boolean mentionsOom(String text) {
        return text != null && MARKERS.stream().anyMatch(text::contains);
    }
}
