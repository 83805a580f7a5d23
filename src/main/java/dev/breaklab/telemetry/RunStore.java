package dev.breaklab.telemetry;

import dev.breaklab.run.LiveRuns;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.system.LabProperties;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.springframework.stereotype.Component;

/**
 * The runs the lab remembers, and the index from Spark's ids (job, stage, SQL execution) to them.
 * Bounded: beyond {@code lab.runs.retained} the oldest finished runs are forgotten, with their ids
 * (the run history keeps them).
 */
@Component
public class RunStore implements LiveRuns {

    private final ConcurrentHashMap<String, LiveRun> runs = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<LiveRun> order = new ConcurrentLinkedDeque<>();
    private final ConcurrentHashMap<Integer, LiveRun> byJob = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LiveRun> byStage = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, LiveRun> byExecution = new ConcurrentHashMap<>();
    private final int retained;

    @org.springframework.beans.factory.annotation.Autowired
    public RunStore(LabProperties properties) {
        this(properties.runs().retained());
    }

    RunStore(int retained) {
        this.retained = Math.max(1, retained);
    }

    public void add(LiveRun run) {
        runs.put(run.id(), run);
        order.addLast(run);
        evict();
    }

    /** The live, mutable run: for the engine and the listener only (web and insight read snapshots). */
    public Optional<LiveRun> live(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(runs.get(id));
    }

    @Override
    public Optional<RunSnapshot> find(String id) {
        return live(id).map(LiveRun::snapshot);
    }

    @Override
    public List<RunSnapshot> newestFirst() {
        List<RunSnapshot> out = new ArrayList<>();
        for (Iterator<LiveRun> it = order.descendingIterator(); it.hasNext(); ) {
            out.add(it.next().snapshot());
        }
        return out;
    }

    public List<LiveRun> all() {
        return List.copyOf(order);
    }

    public int size() {
        return runs.size();
    }

    void attachJob(int jobId, LiveRun run) {
        byJob.put(jobId, run);
    }

    void attachStage(int stageId, LiveRun run) {
        byStage.put(stageId, run);
    }

    void attachExecution(long executionId, LiveRun run) {
        byExecution.put(executionId, run);
    }

    LiveRun byJob(int jobId) {
        return byJob.get(jobId);
    }

    LiveRun byStage(int stageId) {
        return byStage.get(stageId);
    }

    LiveRun byExecution(long executionId) {
        return byExecution.get(executionId);
    }

    /**
     * Forgets which finished run each Spark job, stage and SQL execution id belonged to: a new
     * SparkContext (an engine switch) numbers them from 0 again, and none of its events may reach an
     * old run. Runs not finished (an import being replayed) keep theirs.
     */
    public void forgetSparkIdsOfFinishedRuns() {
        byJob.values().removeIf(run -> run.status().finished());
        byStage.values().removeIf(run -> run.status().finished());
        byExecution.values().removeIf(run -> run.status().finished());
    }

    private void evict() {
        int finished = 0;
        for (LiveRun run : order) {
            if (run.status().finished()) {
                finished++;
            }
        }
        for (Iterator<LiveRun> it = order.iterator(); it.hasNext() && finished > retained; ) {
            LiveRun run = it.next();
            if (run.status().finished()) {
                it.remove();
                runs.remove(run.id());
                // Only this run's entries: an imported run's ids may equal a live run's.
                run.jobIds().forEach(job -> byJob.remove(job, run));
                run.stageIds().forEach(stage -> byStage.remove(stage, run));
                run.sqlExecutionIds().forEach(execution -> byExecution.remove(execution, run));
                finished--;
            }
        }
    }
}
