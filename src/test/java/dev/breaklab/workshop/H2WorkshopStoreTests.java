package dev.breaklab.workshop;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.history.HistoryTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;

/** Workshops on an H2 file database, the lab's default. */
class H2WorkshopStoreTests extends WorkshopStoreContract {

    private Path dir;

    @Override
    HikariDataSource database() throws Exception {
        dir = Files.createTempDirectory("workshops-h2");
        return HistoryTestSupport.h2(dir);
    }

    @Override
    HikariDataSource reopen() {
        return HistoryTestSupport.h2(dir);
    }
}
