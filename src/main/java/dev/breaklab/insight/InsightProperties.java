package dev.breaklab.insight;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

/**
 * Thresholds of the findings, under {@code lab.insight.*}. Scaled for the lab's small data: a
 * production rule such as "max task over 5 s" never fires on a run of a few seconds, so time and
 * size floors here are in hundreds of milliseconds and megabytes, while ratios stay what a senior
 * engineer would use anywhere.
 */
@ConfigurationProperties("lab.insight")
public record InsightProperties(
        @DefaultValue Skew skew,
        @DefaultValue Spill spill,
        @DefaultValue TinyTasks tinyTasks,
        @DefaultValue Parallelism parallelism,
        @DefaultValue ShuffleExplosion shuffleExplosion,
        @DefaultValue Broadcast broadcast,
        @DefaultValue Gc gc,
        @DefaultValue ResultSize resultSize,
        @DefaultValue SmallFiles smallFiles,
        @DefaultValue TaskPhases taskPhases) {

    /**
     * All defaults, for tests and for code that runs without Spring: bound from no properties at all,
     * so the {@code @DefaultValue}s above are the one place they are written.
     */
    public static InsightProperties defaults() {
        return new Binder(new MapConfigurationPropertySource()).bindOrCreate("lab.insight", InsightProperties.class);
    }

    /**
     * @param ratio max over median (task duration or shuffle read) from which a stage is skewed
     * @param minTasks stages with fewer tasks are not judged
     * @param minMaxTask the slowest task must take at least this long for duration skew to count
     * @param minMaxRead the largest task read must be at least this for read skew to count
     */
    public record Skew(
            @DefaultValue("5") double ratio,
            @DefaultValue("4") int minTasks,
            @DefaultValue("250ms") Duration minMaxTask,
            @DefaultValue("256KB") DataSize minMaxRead) {}

    /**
     * @param minBytes memory or disk spill of a stage from which it is reported
     * @param criticalDiskShare disk spill as a share of what the stage read from which it is critical
     */
    public record Spill(
            @DefaultValue("1B") DataSize minBytes,
            @DefaultValue("0.1") double criticalDiskShare) {}

    /**
     * Tiny means little data per task, which does not change when the machine is busy; the median
     * time only rules out tasks that are few-but-heavy in CPU.
     *
     * @param minTasks stages with at least this many tasks are candidates
     * @param maxMedian ... whose median task is at most this long
     * @param maxBytesPerTask ... and which read at most this much per task (input + shuffle read)
     */
    public record TinyTasks(
            @DefaultValue("32") int minTasks,
            @DefaultValue("500ms") Duration maxMedian,
            @DefaultValue("1MB") DataSize maxBytesPerTask) {}

    /**
     * @param minStageDuration stages shorter than this are not judged (every query ends with short one-task stages)
     * @param minIdleShare share of the stage's core-time left idle from which it is reported
     */
    public record Parallelism(
            @DefaultValue("500ms") Duration minStageDuration,
            @DefaultValue("0.4") double minIdleShare) {}

    /**
     * @param ratio shuffle written over what the stage took in (records, or bytes when known)
     * @param minWrite stages writing less shuffle data are not judged
     */
    public record ShuffleExplosion(
            @DefaultValue("5") double ratio,
            @DefaultValue("1MB") DataSize minWrite) {}

    /**
     * @param size the least broadcast data size that counts as large; the run's auto-broadcast
     *     threshold (Spark's 10 MB default when it is -1) raises it...
     * @param minRows ...when it also holds at least this many rows (the size is the hash relation's
     *     memory, which can dwarf a small table)
     * @param buildTime time to collect and build from which it is reported
     */
    public record Broadcast(
            @DefaultValue("4MB") DataSize size,
            @DefaultValue("100000") long minRows,
            @DefaultValue("1s") Duration buildTime) {}

    /**
     * @param share GC time as a share of the stage's task run time from which it is reported
     * @param minRunTime stages with less total task run time are not judged
     */
    public record Gc(
            @DefaultValue("0.1") double share,
            @DefaultValue("1s") Duration minRunTime) {}

    /** @param nearShare result size as a share of spark.driver.maxResultSize from which it is reported */
    public record ResultSize(@DefaultValue("0.8") double nearShare) {}

    /**
     * @param minFiles scans reading at least this many files are candidates
     * @param maxAverageSize ... when their files average at most this size
     */
    public record SmallFiles(
            @DefaultValue("100") int minFiles,
            @DefaultValue("1MB") DataSize maxAverageSize) {}

    /**
     * @param minTaskTime stages whose tasks took less time in all are not judged
     * @param share a phase other than computing from which its share of the task time is reported
     * @param criticalShare ... and from which it is critical
     */
    public record TaskPhases(
            @DefaultValue("2s") Duration minTaskTime,
            @DefaultValue("0.4") double share,
            @DefaultValue("0.6") double criticalShare) {}
}
