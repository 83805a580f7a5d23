package dev.breaklab.history;

import dev.breaklab.run.RunFilter;
import dev.breaklab.run.RunPage;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.RunSummary;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finished runs in the database (table {@code runs}, see {@code db/migration/V1__runs.sql}): the
 * columns lists filter and sort on, and the whole snapshot as the JSON the API serves. Plain SQL
 * that H2 and PostgreSQL run alike. Writes come from one thread ({@link RunHistoryWriter}).
 */
@Repository
public class RunHistory {

    private static final String SUMMARY_COLUMNS =
            "id, experiment_id, variant, status, source, submitted_at, finished_at, duration_ms, result, error_class";
    private static final int RESULT_COLUMN = 1000;
    private static final int ERROR_CLASS_COLUMN = 200;

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final ObjectWriter writer;
    private final ObjectReader reader;

    /** {@code json} is the application's mapper: the stored JSON is exactly what the API serves. */
    public RunHistory(DataSource dataSource, JsonMapper json) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.writer = json.writerFor(RunSnapshot.class);
        // A snapshot stored by an older lab may carry fields this one no longer has.
        this.reader = json.readerFor(RunSnapshot.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Stores the run, replacing an earlier snapshot of the same run. */
    public void save(RunSnapshot run) {
        if (run.submittedAt() == null) {
            throw new IllegalArgumentException("run " + run.id() + " has no submission time");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", run.id());
        row.put("experimentId", run.experimentId());
        row.put("variant", run.variant());
        row.put("status", run.status().name());
        row.put("source", run.source());
        row.put("submittedAt", time(run.submittedAt()));
        row.put("finishedAt", time(run.finishedAt()));
        row.put("durationMs", run.durationMs());
        row.put("result", cut(run.result(), RESULT_COLUMN));
        row.put("errorClass", run.error() == null ? null : cut(run.error().errorClass(), ERROR_CLASS_COLUMN));
        row.put("savedAt", time(Instant.now()));
        row.put("snapshot", writer.writeValueAsString(run));
        transactions.executeWithoutResult(tx -> {
            int updated = jdbc.sql("""
                            UPDATE runs SET experiment_id = :experimentId, variant = :variant, status = :status,
                              source = :source, submitted_at = :submittedAt, finished_at = :finishedAt,
                              duration_ms = :durationMs, result = :result, error_class = :errorClass,
                              saved_at = :savedAt, snapshot = :snapshot
                            WHERE id = :id""").params(row).update();
            if (updated == 0) {
                jdbc.sql("""
                                INSERT INTO runs (id, experiment_id, variant, status, source, submitted_at, finished_at,
                                  duration_ms, result, error_class, saved_at, snapshot)
                                VALUES (:id, :experimentId, :variant, :status, :source, :submittedAt, :finishedAt,
                                  :durationMs, :result, :errorClass, :savedAt, :snapshot)""").params(row).update();
            }
        });
    }

    public Optional<RunSnapshot> find(String id) {
        return jdbc.sql("SELECT snapshot FROM runs WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .optional()
                .map(this::read);
    }

    /** One page of stored runs matching {@code filter}, newest submitted first. */
    public RunPage page(RunFilter filter, int page, int size) {
        StringBuilder sql = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM runs WHERE 1 = 1");
        Map<String, Object> params = new LinkedHashMap<>();
        if (filter.experimentId() != null) {
            sql.append(" AND experiment_id = :experimentId");
            params.put("experimentId", filter.experimentId());
        }
        if (filter.variant() != null) {
            sql.append(" AND variant = :variant");
            params.put("variant", filter.variant());
        }
        if (filter.status() != null) {
            sql.append(" AND status = :status");
            params.put("status", filter.status().name());
        }
        if (filter.since() != null) {
            sql.append(" AND submitted_at >= :since");
            params.put("since", time(filter.since()));
        }
        // One row more than the page tells whether another page follows, without counting them all.
        sql.append(" ORDER BY submitted_at DESC, id DESC OFFSET :offset ROWS FETCH NEXT :limit ROWS ONLY");
        params.put("offset", (long) page * size);
        params.put("limit", size + 1);
        List<RunSummary> rows = new ArrayList<>(jdbc.sql(sql.toString())
                .params(params)
                .query(RunHistory::summary)
                .list());
        boolean hasNext = rows.size() > size;
        return new RunPage(hasNext ? rows.subList(0, size) : rows, hasNext);
    }

    public long count() {
        return jdbc.sql("SELECT COUNT(*) FROM runs").query(Long.class).single();
    }

    /** Deletes runs submitted before {@code cutoff}; returns how many. */
    public int deleteSubmittedBefore(Instant cutoff) {
        return jdbc.sql("DELETE FROM runs WHERE submitted_at < :cutoff")
                .param("cutoff", time(cutoff))
                .update();
    }

    /** Deletes all but the {@code keep} newest runs; returns how many. */
    public int keepNewest(int keep) {
        record Row(OffsetDateTime submittedAt, String id) {}
        Optional<Row> firstDropped = jdbc.sql("SELECT submitted_at, id FROM runs ORDER BY submitted_at DESC, id DESC"
                        + " OFFSET :keep ROWS FETCH NEXT 1 ROWS ONLY")
                .param("keep", keep)
                .query((rs, n) -> new Row(rs.getObject(1, OffsetDateTime.class), rs.getString(2)))
                .optional();
        return firstDropped
                .map(row -> jdbc.sql("DELETE FROM runs WHERE submitted_at < :at OR (submitted_at = :at AND id <= :id)")
                        .param("at", row.submittedAt())
                        .param("id", row.id())
                        .update())
                .orElse(0);
    }

    private RunSnapshot read(String json) {
        return reader.readValue(json);
    }

    private static RunSummary summary(ResultSet rs, int row) throws SQLException {
        return new RunSummary(
                rs.getString("id"),
                rs.getString("experiment_id"),
                rs.getString("variant"),
                RunStatus.valueOf(rs.getString("status")),
                instant(rs.getObject("submitted_at", OffsetDateTime.class)),
                instant(rs.getObject("finished_at", OffsetDateTime.class)),
                rs.getObject("duration_ms", Long.class),
                rs.getString("result"),
                rs.getString("error_class"),
                rs.getString("source"));
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
