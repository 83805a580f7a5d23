package dev.breaklab.history;

import java.time.OffsetDateTime;
import java.util.Optional;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

/** The run history's table, through Spring Data JDBC. */
interface StoredRuns extends ListCrudRepository<StoredRun, String> {

    @Query("SELECT snapshot FROM runs WHERE id = :id")
    Optional<String> findSnapshot(String id);

    /**
     * PostgreSQL only: this transaction's commit returns before its WAL reaches the disk. Why this
     * is safe for the history: see {@link RunHistory#save}.
     */
    @Modifying
    @Query("SET LOCAL synchronous_commit TO OFF")
    void commitWithoutWaitingForTheDisk();

    @Modifying
    @Query("DELETE FROM runs WHERE submitted_at < :cutoff")
    int deleteSubmittedBefore(OffsetDateTime cutoff);

    /** The newest run beyond the first {@code keep} (newest first), if there are more runs than that. */
    @Query("SELECT id, experiment_id, variant, status, source, submitted_at, finished_at, duration_ms, result,"
            + " error_class, saved_at, '' AS snapshot FROM runs ORDER BY submitted_at DESC, id DESC"
            + " OFFSET :keep ROWS FETCH NEXT 1 ROWS ONLY")
    Optional<StoredRun> firstBeyond(int keep);

    /** Deletes the run submitted at {@code at} with id {@code id} and every run older in list order. */
    @Modifying
    @Query("DELETE FROM runs WHERE submitted_at < :at OR (submitted_at = :at AND id <= :id)")
    int deleteFrom(OffsetDateTime at, String id);
}
