package dev.breaklab.history;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.LabTest;

/**
 * The run history on a real PostgreSQL ({@code LAB_TEST_POSTGRES_URL}; {@code .ci/run} starts one).
 * Skipped with a notice when none is configured; on CI ({@code CI=true}) a missing or unreachable
 * PostgreSQL fails instead.
 */
@LabTest
class PostgresRunHistoryTests extends RunHistoryContract {

    @Override
    HikariDataSource database() {
        return HistoryTestSupport.postgres();
    }
}
