package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import java.util.List;
import org.apache.spark.Success$;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The task-end reader against Spark's own: a task end as Spark's {@code JsonProtocol} writes it
 * reads back with the same task info and task metrics, with only the SQL accumulator updates (which
 * Spark 4.2 flags internal too, as the logs real Spark writes in EventLogTests show).
 */
class TaskEndJsonTests {

    @Test
    void a_task_end_reads_as_spark_reads_it_without_executor_metrics_and_internal_accumulators() throws Exception {
        String line = JsonProtocol.sparkEventToJsonString(taskEnd());
        assertThat(TaskEndJson.isTaskEnd(line)).isTrue();
        SparkListenerTaskEnd spark = (SparkListenerTaskEnd) JsonProtocol.sparkEventFromJson(line);

        SparkListenerTaskEnd ours = TaskEndJson.parse(line);

        assertThat(ours.stageId()).isEqualTo(spark.stageId());
        assertThat(ours.stageAttemptId()).isEqualTo(spark.stageAttemptId());
        assertThat(ours.taskType()).isEqualTo(spark.taskType());
        assertThat(ours.reason()).isEqualTo(spark.reason());
        TaskInfo a = ours.taskInfo();
        TaskInfo b = spark.taskInfo();
        assertThat(List.of(a.taskId(), a.index(), a.attemptNumber(), a.launchTime(), a.finishTime(), a.executorId()))
                .isEqualTo(List.of(
                        b.taskId(), b.index(), b.attemptNumber(), b.launchTime(), b.finishTime(), b.executorId()));
        assertThat(metrics(ours.taskMetrics())).isEqualTo(metrics(spark.taskMetrics()));
        assertThat(CollectionConverters.asJava(b.accumulables())).hasSize(3);
        assertThat(CollectionConverters.asJava(a.accumulables()))
                .singleElement()
                .satisfies(acc -> {
                    assertThat(acc.id()).isEqualTo(11L);
                    assertThat(acc.update().get()).isEqualTo("4200");
                    assertThat(acc.metadata().get()).isEqualTo("sql");
                });
        assertThat(ours.taskExecutorMetrics().getMetricValue("JVMHeapMemory")).isZero();
    }

    @Test
    void a_cut_off_or_broken_task_end_is_not_json() {
        String line = JsonProtocol.sparkEventToJsonString(taskEnd());

        assertThatThrownBy(() -> TaskEndJson.parse(line.substring(0, line.length() / 2)))
                .isInstanceOf(JsonParseException.class);
        assertThatThrownBy(() -> TaskEndJson.parse(line + " x")).isInstanceOf(JsonParseException.class);
    }

    private static List<Long> metrics(TaskMetrics m) {
        return List.of(
                m.executorRunTime(),
                m.executorCpuTime(),
                m.jvmGCTime(),
                m.resultSize(),
                m.peakExecutionMemory(),
                m.memoryBytesSpilled(),
                m.shuffleReadMetrics().remoteBytesRead(),
                m.shuffleReadMetrics().recordsRead(),
                m.shuffleWriteMetrics().bytesWritten());
    }

    private static SparkListenerTaskEnd taskEnd() {
        TaskInfo info = new TaskInfo(7, 3, 0, 3, 1_000L, "2", "host-2", TaskLocality.PROCESS_LOCAL(), false);
        info.markFinished(org.apache.spark.TaskState.FINISHED(), 1_250L);
        TaskMetrics m = new TaskMetrics();
        m.setExecutorRunTime(240);
        m.setExecutorCpuTime(200_000_000L);
        m.setJvmGCTime(12);
        m.setResultSize(2_000);
        m.setPeakExecutionMemory(1 << 20);
        m.incMemoryBytesSpilled(5L << 30);
        m.shuffleReadMetrics().incRemoteBytesRead(30_000);
        m.shuffleReadMetrics().incRecordsRead(1_000);
        m.shuffleWriteMetrics().incBytesWritten(40_000);
        info.setAccumulables(CollectionConverters.asScala(List.of(
                        new AccumulableInfo(
                                11,
                                Option.apply("number of output rows"),
                                Option.apply(4_200L),
                                Option.apply(4_200L),
                                true, // as Spark 4.2 writes SQL metric updates
                                true,
                                Option.apply("sql")),
                        new AccumulableInfo(
                                101,
                                Option.apply("internal.metrics.executorRunTime"),
                                Option.apply(240L),
                                Option.apply(240L),
                                true,
                                true,
                                Option.empty()),
                        new AccumulableInfo(
                                102,
                                Option.apply("internal.metrics.jvmGCTime"),
                                Option.apply(12L),
                                Option.apply(12L),
                                true,
                                true,
                                Option.empty())))
                .toList());
        long[] peaks = new long[org.apache.spark.metrics.ExecutorMetricType.numMetrics()];
        java.util.Arrays.fill(peaks, 123L);
        return new SparkListenerTaskEnd(1, 0, "ResultTask", Success$.MODULE$, info, new ExecutorMetrics(peaks), m);
    }
}
