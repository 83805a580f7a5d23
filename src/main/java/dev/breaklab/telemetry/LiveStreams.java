package dev.breaklab.telemetry;

import dev.breaklab.run.BatchSnapshot;
import dev.breaklab.run.StreamQuerySnapshot;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The streaming side of a run's live state: query starts, the last {@link #BATCH_CAP} micro-batches
 * and which Spark jobs ran for which batch. Not thread-safe on its own: {@link LiveRun} calls it
 * under its monitor. Progress and jobs arrive on different listener queues (streams vs status), so
 * they are joined when a snapshot is built, not when either arrives.
 */
final class LiveStreams {

    static final int BATCH_CAP = 500;
    static final int QUERY_CAP = 50;

    private final ArrayDeque<BatchSnapshot> batches = new ArrayDeque<>();
    private final Map<String, LiveQuery> queries = new LinkedHashMap<>();
    /** (query id, batch id) -> job ids; bounded like the batches, oldest batch forgotten first. */
    private final LinkedHashMap<String, List<Integer>> jobsByBatch = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<Integer>> eldest) {
            return size() > 2 * BATCH_CAP;
        }
    };

    private final Map<Integer, List<Integer>> stagesByJob = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, List<Integer>> eldest) {
            return size() > 8 * BATCH_CAP;
        }
    };

    private final Map<String, Long> measurements = new TreeMap<>();

    void queryStarted(String queryId, String queryRunId, String name, Instant at) {
        if (queries.size() < QUERY_CAP) {
            queries.put(queryRunId, new LiveQuery(queryId, queryRunId, name, at));
        }
    }

    void queryTerminated(String queryRunId, Instant at, String exception) {
        LiveQuery query = queries.get(queryRunId);
        if (query != null) {
            query.terminatedAt = at;
            query.exception = exception;
        }
    }

    int started() {
        return queries.size();
    }

    boolean allTerminated() {
        return queries.values().stream().allMatch(q -> q.terminatedAt != null);
    }

    void batch(BatchSnapshot batch) {
        if (batches.size() == BATCH_CAP) {
            batches.removeFirst();
        }
        batches.addLast(batch);
    }

    void job(String queryId, long batchId, int jobId, List<Integer> stageIds) {
        jobsByBatch
                .computeIfAbsent(queryId + "/" + batchId, k -> new ArrayList<>())
                .add(jobId);
        stagesByJob.put(jobId, List.copyOf(stageIds));
    }

    void measured(String name, long value) {
        measurements.put(name, value);
    }

    List<BatchSnapshot> batchSnapshots() {
        List<BatchSnapshot> out = new ArrayList<>(batches.size());
        for (BatchSnapshot b : batches) {
            List<Integer> jobs = jobsByBatch.getOrDefault(b.queryId() + "/" + b.batchId(), List.of());
            TreeSet<Integer> stages = new TreeSet<>();
            for (int job : jobs) {
                stages.addAll(stagesByJob.getOrDefault(job, List.of()));
            }
            out.add(new BatchSnapshot(
                    b.queryId(),
                    b.queryRunId(),
                    b.queryName(),
                    b.batchId(),
                    b.timestamp(),
                    b.numInputRows(),
                    b.inputRowsPerSecond(),
                    b.processedRowsPerSecond(),
                    b.batchDurationMs(),
                    b.durationMs(),
                    b.watermark(),
                    b.stateOperators(),
                    b.sinkOutputRows(),
                    List.copyOf(jobs),
                    List.copyOf(stages)));
        }
        return List.copyOf(out);
    }

    List<StreamQuerySnapshot> querySnapshots() {
        List<StreamQuerySnapshot> out = new ArrayList<>(queries.size());
        for (LiveQuery q : queries.values()) {
            out.add(new StreamQuerySnapshot(q.queryId, q.queryRunId, q.name, q.startedAt, q.terminatedAt, q.exception));
        }
        return List.copyOf(out);
    }

    Map<String, Long> measurementSnapshot() {
        return Map.copyOf(measurements);
    }

    private static final class LiveQuery {
        final String queryId;
        final String queryRunId;
        final String name;
        final Instant startedAt;
        Instant terminatedAt;
        String exception;

        LiveQuery(String queryId, String queryRunId, String name, Instant startedAt) {
            this.queryId = queryId;
            this.queryRunId = queryRunId;
            this.name = name;
            this.startedAt = startedAt;
        }
    }
}
