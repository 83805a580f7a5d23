package dev.breaklab.history;

import dev.breaklab.run.RunFilter;
import dev.breaklab.run.RunPage;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.run.RunSummary;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Sort;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.data.jdbc.core.dialect.JdbcDialect;
import org.springframework.data.jdbc.core.dialect.JdbcPostgresDialect;
import org.springframework.data.relational.core.query.Criteria;
import org.springframework.data.relational.core.query.Query;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finished runs in the database (table {@code runs}, see {@code db/migration/V1__runs.sql}) through
 * Spring Data JDBC: {@link StoredRuns} for single runs and retention, Spring Data's criteria for the
 * filtered pages (a filter left out is no condition, which a derived query cannot say), reading
 * {@link RunListing}s, the rows without their JSON. H2 and PostgreSQL alike. Writes come from one
 * thread ({@link RunHistoryWriter}).
 */
@Repository
public class RunHistory {

    private static final int RESULT_COLUMN = 1000;
    private static final int ERROR_CLASS_COLUMN = 200;
    private static final Sort NEWEST_FIRST = Sort.by(Sort.Order.desc("submittedAt"), Sort.Order.desc("id"));

    private final StoredRuns runs;
    private final JdbcAggregateOperations aggregates;
    private final boolean postgres;
    private final TransactionTemplate transactions;
    private final ObjectWriter writer;
    private final ObjectReader reader;

    /** {@code json} is the application's mapper: the stored JSON is exactly what the API serves. */
    RunHistory(
            StoredRuns runs,
            JdbcAggregateOperations aggregates,
            PlatformTransactionManager transactionManager,
            JdbcDialect dialect,
            JsonMapper json) {
        this.runs = runs;
        this.aggregates = aggregates;
        this.postgres = dialect instanceof JdbcPostgresDialect;
        this.transactions = new TransactionTemplate(transactionManager);
        this.writer = json.writerFor(RunSnapshot.class);
        // A snapshot stored by an older lab may carry fields this one no longer has.
        this.reader = json.readerFor(RunSnapshot.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * Stores the run, replacing an earlier snapshot of the same run, in one transaction. On
     * PostgreSQL the commit does not wait for the WAL flush ({@code synchronous_commit} off for this
     * transaction only): the flush of a run's ~160 KB was most of a save (12-15 ms of a 160 KB insert
     * in psql, more under load). A crash of the database's machine can then lose the last writes of
     * a fraction of a second (never corrupt the table), which is the risk a run already takes while
     * its write waits in {@link RunHistoryWriter}'s queue; the writes of retention and every other
     * table keep the server's setting.
     */
    public void save(RunSnapshot run) {
        if (run.submittedAt() == null) {
            throw new IllegalArgumentException("run " + run.id() + " has no submission time");
        }
        StoredRun row = new StoredRun(
                run.id(),
                run.experimentId(),
                run.variant(),
                run.status().name(),
                run.source(),
                time(run.submittedAt()),
                time(run.finishedAt()),
                run.durationMs(),
                cut(run.result(), RESULT_COLUMN),
                run.error() == null ? null : cut(run.error().errorClass(), ERROR_CLASS_COLUMN),
                time(Instant.now()),
                writer.writeValueAsString(run));
        transactions.executeWithoutResult(tx -> {
            if (postgres) {
                runs.commitWithoutWaitingForTheDisk();
            }
            // The id is the run's own, never generated: whether to insert is a question to the table.
            if (runs.existsById(row.id())) {
                aggregates.update(row);
            } else {
                aggregates.insert(row);
            }
        });
    }

    public Optional<RunSnapshot> find(String id) {
        return runs.findSnapshot(id).map(this::read);
    }

    /** One page of stored runs matching {@code filter}, newest submitted first. */
    public RunPage page(RunFilter filter, int page, int size) {
        Criteria where = Criteria.empty();
        if (filter.experimentId() != null) {
            where = where.and("experimentId").is(filter.experimentId());
        }
        if (filter.variant() != null) {
            where = where.and("variant").is(filter.variant());
        }
        if (filter.status() != null) {
            where = where.and("status").is(filter.status().name());
        }
        if (filter.since() != null) {
            where = where.and("submittedAt").greaterThanOrEquals(time(filter.since()));
        }
        // One row more than the page tells whether another page follows, without counting them all.
        Query query =
                Query.query(where).sort(NEWEST_FIRST).offset((long) page * size).limit(size + 1);
        List<RunSummary> rows = new ArrayList<>(aggregates.findAll(query, RunListing.class).stream()
                .map(RunHistory::summary)
                .toList());
        boolean hasNext = rows.size() > size;
        return new RunPage(hasNext ? rows.subList(0, size) : rows, hasNext);
    }

    public long count() {
        return runs.count();
    }

    /** Deletes runs submitted before {@code cutoff}; returns how many. */
    public int deleteSubmittedBefore(Instant cutoff) {
        return runs.deleteSubmittedBefore(time(cutoff));
    }

    /** Deletes all but the {@code keep} newest runs; returns how many. */
    public int keepNewest(int keep) {
        return runs.firstBeyond(keep)
                .map(row -> runs.deleteFrom(row.submittedAt(), row.id()))
                .orElse(0);
    }

    private RunSnapshot read(String json) {
        return reader.readValue(json);
    }

    private static RunSummary summary(RunListing row) {
        return new RunSummary(
                row.id(),
                row.experimentId(),
                row.variant(),
                RunStatus.valueOf(row.status()),
                instant(row.submittedAt()),
                instant(row.finishedAt()),
                row.durationMs(),
                row.result(),
                row.errorClass(),
                row.source());
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
