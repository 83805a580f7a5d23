package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.FetchFailed;
import org.apache.spark.Success$;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskState;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerEnvironmentUpdate;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerLogStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.apache.spark.storage.BlockManagerId$;
import org.apache.spark.util.JsonProtocol;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.web.server.LocalServerPort;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The run view's task timeline per executor on a cluster application: an event log of two executors,
 * one of them killed mid-stage (its process exited with 137), written line by line by Spark's own
 * {@code JsonProtocol} from Spark's listener events, uploaded on the import page and opened like any
 * run. Spark's reason text carries markup, which must reach the page as text only.
 */
@LabTest
class TimelineBrowserTests {

    static final String REASON = "Command exited with code 137 <b id=\"injected\">boom</b>";

    @LocalServerPort
    int port;

    @Test
    void a_cluster_run_has_a_lane_group_per_executor_and_marks_the_removed_one() throws Exception {
        Path log = Files.createTempFile("app-lost-executor", ".log");
        writeLostExecutorLog(log);
        try (Browser browser = Browser.open(port)) {
            browser.go("/imports");
            browser.find("#import-file").sendKeys(log.toAbsolutePath().toString());
            browser.find("#import-submit").click();
            browser.await(
                    Duration.ofMinutes(1),
                    d -> "SUCCEEDED".equals(browser.find("#import-state").getText()) ? true : null);
            browser.awaitVisible("#import-runs a[href^='/runs/']", Duration.ofSeconds(30))
                    .click();
            browser.await(
                    Duration.ofSeconds(30),
                    d -> "SUCCEEDED".equals(browser.find("#run-status").getDomAttribute("data-status")) ? true : null);
            browser.await(
                    Duration.ofSeconds(10),
                    d -> browser.all("#timeline g.exec-group").size() == 3);

            List<WebElement> groups = browser.all("#timeline g.exec-group");
            assertThat(groups)
                    .extracting(g -> g.getDomAttribute("data-executor"))
                    .containsExactly("1", "2", "3");
            assertThat(spans(groups.get(0))).hasSize(5);
            assertThat(spans(groups.get(1))).hasSize(3);
            assertThat(spans(groups.get(2))).hasSize(3);
            assertThat(label(groups.get(0))).contains("executor 1", "worker-a", "2 cores");
            assertThat(groups)
                    .extracting(g ->
                            g.getDomAttribute("data-cores") + " cores, " + g.getDomAttribute("data-lanes") + " lanes")
                    .containsExactly("2 cores, 2 lanes", "2 cores, 2 lanes", "2 cores, 2 lanes");
            // Executor 2: removed during the run, its marker titled with Spark's reason, as text.
            assertThat(groups.get(1).getDomAttribute("class")).contains("exec-removed");
            List<WebElement> removed = groups.get(1).findElements(By.cssSelector("g.exec-marker.removed"));
            assertThat(removed).hasSize(1);
            assertThat(title(removed.get(0)))
                    .startsWith("executor 2 removed at +")
                    .endsWith(": " + REASON);
            // Executor 3: added during the run (for the retried attempts); 1 and 2 were up before it.
            assertThat(groups.get(2).findElements(By.cssSelector("g.exec-marker.added")))
                    .hasSize(1);
            assertThat(groups.get(0).findElements(By.cssSelector("g.exec-marker")))
                    .isEmpty();
            // Failed attempts by how they failed, and the retried stage attempts.
            assertThat(spans(groups.get(1)))
                    .filteredOn(s -> "EXECUTOR_LOST".equals(s.getDomAttribute("data-outcome")))
                    .singleElement()
                    .satisfies(s -> assertThat(title(s)).contains("ExecutorLostFailure"));
            assertThat(browser.all("#timeline rect.span.failed.o-fetch-failed")).hasSize(1);
            assertThat(browser.all("#timeline rect.span.retry"))
                    .extracting(s -> s.getDomAttribute("data-attempt"))
                    .hasSize(4)
                    .containsOnly("1");
            assertThat(browser.find("#timeline-legend").getText())
                    .contains("ExecutorLostFailure", "FetchFailed", "retried stage attempt", "executor removed");
            // The executors table says the same from the run's own record.
            assertThat(browser.find("#executor-table tbody").getText()).contains("worker-b", "removed");
            assertThat(browser.all("#injected"))
                    .as("Spark's reason is text, never markup")
                    .isEmpty();
            browser.screenshot("12-timeline-executors");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    private static List<WebElement> spans(WebElement group) {
        return group.findElements(By.cssSelector("rect.span"));
    }

    private static String label(WebElement group) {
        return title(group.findElement(By.cssSelector("g.exec-label")));
    }

    /** An SVG element's own {@code <title>} (the tooltip). */
    private static String title(WebElement element) {
        return element.findElement(By.xpath("./*[local-name()='title']")).getAttribute("textContent");
    }

    /**
     * One job on a standalone cluster of two executors (2 cores each): stage 0 maps on both, stage 1
     * reduces; executor 2's process is killed while stage 1 runs (its task fails with
     * ExecutorLostFailure, a fetch of its shuffle output fails), executor 3 joins, stage 0 reruns its
     * lost map outputs as attempt 1 and stage 1 its failed tasks as attempt 1.
     */
    static void writeLostExecutorLog(Path file) throws Exception {
        long t = 1_700_000_000_000L;
        Properties props = new Properties();
        props.setProperty("spark.jobGroup.id", "lost-executor");
        props.setProperty("spark.job.description", "count per key while an executor dies");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            Events w = new Events(out);
            w.add(new SparkListenerLogStart("4.2.0"));
            Map<String, scala.collection.Seq<Tuple2<String, String>>> env = new LinkedHashMap<>();
            for (String key :
                    List.of("JVM Information", "Hadoop Properties", "System Properties", "Metrics Properties")) {
                env.put(key, seq(List.of()));
            }
            env.put("Classpath Entries", seq(List.of()));
            env.put(
                    "Spark Properties",
                    seq(List.of(
                            new Tuple2<>("spark.master", "spark://master:7077"),
                            new Tuple2<>("spark.app.name", "lost-executor"))));
            w.add(new SparkListenerEnvironmentUpdate(CollectionConverters.asScala(env)));
            w.add(new SparkListenerApplicationStart(
                    "lost-executor",
                    Option.apply("app-lost-executor"),
                    t,
                    "lab",
                    Option.empty(),
                    Option.empty(),
                    Option.empty()));
            w.add(new SparkListenerExecutorAdded(t + 100, "1", executor("worker-a")));
            w.add(new SparkListenerExecutorAdded(t + 150, "2", executor("worker-b")));
            StageInfo map = stage(0, 0, 4, List.of());
            StageInfo reduce = stage(1, 0, 3, List.of(0));
            w.add(new SparkListenerJobStart(0, t + 1_000, seq(List.of(map, reduce)), props));
            w.submit(map, t + 1_000, props);
            w.task(map, 0, "1", t + 1_000, t + 1_400, Success$.MODULE$);
            w.task(map, 1, "1", t + 1_000, t + 1_400, Success$.MODULE$);
            w.task(map, 2, "2", t + 1_000, t + 1_400, Success$.MODULE$);
            w.task(map, 3, "2", t + 1_000, t + 1_400, Success$.MODULE$);
            w.complete(map, t + 1_400, null);
            w.submit(reduce, t + 1_400, props);
            w.task(reduce, 0, "1", t + 1_400, t + 1_800, Success$.MODULE$);
            w.add(new SparkListenerExecutorRemoved(t + 1_600, "2", REASON));
            w.task(reduce, 1, "2", t + 1_400, t + 1_600, new ExecutorLostFailure("2", true, Option.apply(REASON)));
            w.task(
                    reduce,
                    2,
                    "1",
                    t + 1_650,
                    t + 1_680,
                    new FetchFailed(
                            BlockManagerId$.MODULE$.apply("2", "worker-b", 7337, Option.empty()),
                            0,
                            2L,
                            2,
                            2,
                            "Failed to connect to worker-b/10.0.0.8:7337"));
            w.add(new SparkListenerExecutorAdded(t + 1_700, "3", executor("worker-c")));
            w.complete(
                    reduce,
                    t + 1_800,
                    "ResultStage 1 (count at LostExecutor.java:14) has failed due to a fetch failure");
            StageInfo mapRetry = stage(0, 1, 2, List.of());
            w.submit(mapRetry, t + 1_800, props);
            w.task(mapRetry, 2, "3", t + 1_800, t + 2_000, Success$.MODULE$);
            w.task(mapRetry, 3, "3", t + 1_800, t + 2_000, Success$.MODULE$);
            w.complete(mapRetry, t + 2_000, null);
            StageInfo reduceRetry = stage(1, 1, 2, List.of(0));
            w.submit(reduceRetry, t + 2_000, props);
            w.task(reduceRetry, 1, "3", t + 2_000, t + 2_300, Success$.MODULE$);
            w.task(reduceRetry, 2, "1", t + 2_000, t + 2_300, Success$.MODULE$);
            w.complete(reduceRetry, t + 2_300, null);
            w.add(new SparkListenerJobEnd(0, t + 2_300, JobSucceeded$.MODULE$));
            w.add(new SparkListenerApplicationEnd(t + 2_500, Option.empty()));
        }
    }

    private static ExecutorInfo executor(String host) {
        return new ExecutorInfo(host, 2, scala.collection.immutable.Map$.MODULE$.empty());
    }

    private static StageInfo stage(int id, int attempt, int tasks, List<Integer> parents) {
        return new StageInfo(
                id,
                attempt,
                id == 0 ? "map at LostExecutor.java:12" : "count at LostExecutor.java:14",
                tasks,
                seq(List.of()),
                seq(List.<Object>copyOf(parents)),
                "details",
                null,
                seq(List.of()),
                Option.empty(),
                0,
                false,
                0);
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }

    /** Spark's JSON, one event per line, as its EventLoggingListener writes it. */
    private static final class Events {
        private final BufferedWriter out;
        private long taskIds;

        Events(BufferedWriter out) {
            this.out = out;
        }

        void add(SparkListenerEvent event) throws java.io.IOException {
            out.write(JsonProtocol.sparkEventToJsonString(event));
            out.write('\n');
        }

        void submit(StageInfo stage, long time, Properties props) throws java.io.IOException {
            stage.submissionTime_$eq(Option.apply(time));
            add(new SparkListenerStageSubmitted(stage, props));
        }

        void complete(StageInfo stage, long time, String failure) throws java.io.IOException {
            stage.completionTime_$eq(Option.apply(time));
            if (failure != null) {
                stage.failureReason_$eq(Option.apply(failure));
            }
            add(new SparkListenerStageCompleted(stage));
        }

        void task(StageInfo stage, int index, String executor, long launch, long finish, TaskEndReason reason)
                throws java.io.IOException {
            TaskInfo info = new TaskInfo(
                    taskIds++,
                    index,
                    stage.attemptNumber(),
                    index,
                    launch,
                    executor,
                    "worker-" + (char) ('a' + Integer.parseInt(executor) - 1),
                    TaskLocality.PROCESS_LOCAL(),
                    false);
            info.markFinished(reason == Success$.MODULE$ ? TaskState.FINISHED() : TaskState.FAILED(), finish);
            TaskMetrics m = new TaskMetrics();
            m.setExecutorRunTime(finish - launch - 5);
            add(new SparkListenerTaskEnd(
                    stage.stageId(),
                    stage.attemptNumber(),
                    stage.stageId() == 0 ? "ShuffleMapTask" : "ResultTask",
                    reason,
                    info,
                    new ExecutorMetrics(),
                    m));
        }
    }
}
