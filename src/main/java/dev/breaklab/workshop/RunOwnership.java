package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Run owners in the database (table {@code run_owners}), so a restart does not make every run the
 * local user's. Recently recorded owners are also kept in memory: cancelling reads them.
 */
@Repository
class RunOwnership implements RunOwners {

    private static final int CACHED = 2_000;

    private final JdbcClient jdbc;
    private final Map<String, RunOwner> recent = new ConcurrentHashMap<>();

    RunOwnership(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    @Override
    public void record(String runId, RunOwner owner) {
        if (recent.size() >= CACHED) {
            recent.clear();
        }
        recent.put(runId, owner);
        jdbc.sql("INSERT INTO run_owners (run_id, owner_kind, owner_id, workshop_id)"
                        + " VALUES (:run, :kind, :owner, :workshop)")
                .param("run", runId)
                .param("kind", owner.kind().name())
                .param("owner", owner.id())
                .param("workshop", owner.workshopId())
                .update();
    }

    @Override
    public Optional<RunOwner> find(String runId) {
        if (runId == null) {
            return Optional.empty();
        }
        RunOwner cached = recent.get(runId);
        if (cached != null) {
            return Optional.of(cached);
        }
        return jdbc.sql("SELECT owner_kind, owner_id, workshop_id FROM run_owners WHERE run_id = :run")
                .param("run", runId)
                .query((rs, n) ->
                        new RunOwner(RunOwner.Kind.valueOf(rs.getString(1)), rs.getString(2), rs.getString(3)))
                .optional();
    }
}
