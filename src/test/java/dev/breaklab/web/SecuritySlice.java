package dev.breaklab.web;

import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import dev.breaklab.workshop.SecurityConfiguration;
import dev.breaklab.workshop.TokenUsers;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * For web slice tests: the lab's real security rules, with two tokens ({@link #INSTRUCTOR} of
 * workshop w1, {@link #PARTICIPANT} p1 of w1) and run owners in memory.
 */
@TestConfiguration(proxyBeanMethods = false)
@Import(SecurityConfiguration.class)
public class SecuritySlice {

    public static final String INSTRUCTOR = "instructor-token";
    public static final String PARTICIPANT = "participant-token";

    @Bean
    TokenUsers tokenUsers() {
        Map<String, RunOwner> users =
                Map.of(INSTRUCTOR, RunOwner.instructor("w1"), PARTICIPANT, RunOwner.participant("p1", "w1"));
        return token -> Optional.ofNullable(users.get(token));
    }

    @Bean
    RunOwners runOwners() {
        Map<String, RunOwner> owners = new ConcurrentHashMap<>();
        return new RunOwners() {
            @Override
            public void record(String runId, RunOwner owner) {
                owners.put(runId, owner);
            }

            @Override
            public Optional<RunOwner> find(String runId) {
                return Optional.ofNullable(owners.get(runId));
            }
        };
    }
}
