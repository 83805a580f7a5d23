package dev.breaklab.history;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.LabTest;
import java.nio.file.Files;

/** The run history on an H2 file database, the lab's default. */
@LabTest
class H2RunHistoryTests extends RunHistoryContract {

    @Override
    HikariDataSource database() throws Exception {
        return HistoryTestSupport.h2(Files.createTempDirectory("history-h2"));
    }
}
