package dev.breaklab.workshop;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.history.HistoryTestSupport;

/**
 * Workshops on a real PostgreSQL ({@code LAB_TEST_POSTGRES_URL}); skipped with a notice when none is
 * configured, a failure on CI ({@code CI=true}), like the run history's.
 */
class PostgresWorkshopStoreTests extends WorkshopStoreContract {

    @Override
    HikariDataSource database() {
        return HistoryTestSupport.postgres();
    }

    @Override
    HikariDataSource reopen() {
        return HistoryTestSupport.postgresAgain();
    }
}
