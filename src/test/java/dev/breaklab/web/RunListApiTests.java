package dev.breaklab.web;

import static dev.breaklab.history.HistoryTestSupport.minimal;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.zaxxer.hikari.HikariDataSource;
import dev.breaklab.history.HistoryTestSupport;
import dev.breaklab.history.HistoryTestSupport.FixedLiveRuns;
import dev.breaklab.history.RememberedRuns;
import dev.breaklab.history.RunHistory;
import dev.breaklab.history.RunHistoryWriter;
import dev.breaklab.run.RunSnapshots;
import dev.breaklab.run.RunStatus;
import java.net.URI;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/runs} in a web slice (no Spark) over a real H2 history: five stored runs and one
 * still running in memory.
 */
@WebMvcTest(RunListController.class)
@Import(SecuritySlice.class)
class RunListApiTests {

    private static final Instant T0 = Instant.parse("2025-06-01T08:00:00Z");

    @TestConfiguration
    static class History {

        @Bean(destroyMethod = "close")
        HikariDataSource historyDatabase() throws Exception {
            return HistoryTestSupport.h2(Files.createTempDirectory("run-list"));
        }

        @Bean
        RunSnapshots runs(HikariDataSource historyDatabase, JsonMapper json) {
            RunHistory history = HistoryTestSupport.history(historyDatabase, json);
            history.save(minimal("s0", "skewed-join", "broken", RunStatus.SUCCEEDED, T0));
            history.save(minimal("s1", "tiny-partitions", "fixed", RunStatus.SUCCEEDED, T0.plusSeconds(60)));
            history.save(minimal("s2", "tiny-partitions", "broken", RunStatus.FAILED, T0.plusSeconds(120)));
            history.save(
                    minimal("s3", "skewed-join", "fixed", RunStatus.SUCCEEDED, T0.plus(java.time.Duration.ofDays(2))));
            history.save(minimal(
                    "s4", "tiny-partitions", "broken", RunStatus.SUCCEEDED, T0.plus(java.time.Duration.ofDays(3))));
            FixedLiveRuns memory = new FixedLiveRuns(List.of(minimal(
                    "live", "tiny-partitions", "broken", RunStatus.RUNNING, T0.plus(java.time.Duration.ofDays(4)))));
            return new RememberedRuns(memory, new RunHistoryWriter(history), history);
        }
    }

    @Autowired
    MockMvc mvc;

    @Test
    void page_zero_lists_the_live_run_then_the_stored_ones_newest_first() throws Exception {
        mvc.perform(get("/api/runs"))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(
                        jsonPath("$[*].id").value(org.hamcrest.Matchers.contains("live", "s4", "s3", "s2", "s1", "s0")))
                .andExpect(jsonPath("$[0].status").value("RUNNING"))
                .andExpect(jsonPath("$[1].experimentId").value("tiny-partitions"))
                .andExpect(jsonPath("$[1].variant").value("broken"))
                .andExpect(jsonPath("$[1].submittedAt").value("2025-06-04T08:00:00Z"))
                .andExpect(jsonPath("$[1].durationMs").value(3000))
                .andExpect(jsonPath("$[1].result").value("done"))
                .andExpect(jsonPath("$[1].source").value("lab"))
                .andExpect(header().string("Link", "</api/runs?page=0>; rel=\"first\""));
    }

    @Test
    void pages_link_first_prev_and_next_keeping_the_filters() throws Exception {
        mvc.perform(get("/api/runs?size=2"))
                .andExpect(jsonPath("$[*].id").value(org.hamcrest.Matchers.contains("live", "s4", "s3")))
                .andExpect(header().string(
                                "Link",
                                "</api/runs?size=2&page=0>; rel=\"first\", </api/runs?size=2&page=1>; rel=\"next\""));
        mvc.perform(get("/api/runs?size=2&page=1"))
                .andExpect(jsonPath("$[*].id").value(org.hamcrest.Matchers.contains("s2", "s1")))
                .andExpect(header().string(
                                "Link",
                                "</api/runs?size=2&page=0>; rel=\"first\", </api/runs?size=2&page=0>; rel=\"prev\","
                                        + " </api/runs?size=2&page=2>; rel=\"next\""));
        mvc.perform(get("/api/runs?size=2&page=2"))
                .andExpect(jsonPath("$[*].id").value(org.hamcrest.Matchers.contains("s0")))
                .andExpect(header().string(
                                "Link",
                                "</api/runs?size=2&page=0>; rel=\"first\", </api/runs?size=2&page=1>; rel=\"prev\""));
        mvc.perform(get("/api/runs?experimentId=tiny-partitions&page=0&size=1"))
                .andExpect(jsonPath("$[*].id").value(org.hamcrest.Matchers.contains("live", "s4")))
                .andExpect(header().string(
                                "Link",
                                containsString(
                                        "</api/runs?experimentId=tiny-partitions&size=1&page=1>; rel=\"next\"")));
        mvc.perform(get("/api/runs?page=7"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$").isEmpty());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "experimentId=tiny-partitions                          | live, s4, s2, s1",
                "experimentId=tiny-partitions&variant=broken           | live, s4, s2",
                "status=SUCCEEDED                                      | s4, s3, s1, s0",
                "status=failed                                         | s2",
                "status=RUNNING                                        | live",
                "since=2025-06-03                                      | live, s4, s3",
                "since=2025-06-01T08:01:00Z                            | live, s4, s3, s2, s1",
                "since=2025-06-01T10:01:00%2B02:00&status=SUCCEEDED    | s4, s3, s1",
                "since=2025-06-01T10:01:00+02:00                       | live, s4, s3, s2, s1",
                "experimentId=skewed-join&variant=fixed&since=2025-06-02 | s3",
                "experimentId=nope                                     | ''",
            })
    void filters_by_experiment_variant_status_and_time(String query, String ids) throws Exception {
        // As a browser sends it: the query already encoded.
        var result = mvc.perform(get(URI.create("/api/runs?" + query))).andExpect(status().isOk());
        if (ids.isEmpty()) {
            result.andExpect(jsonPath("$").isEmpty());
        } else {
            result.andExpect(jsonPath("$[*].id").value(org.hamcrest.Matchers.contains((Object[]) ids.split(",\\s*"))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "page=-1          | page         | an integer from 0 to 1000000",
                "page=next        | page         | an integer from 0 to 1000000",
                "size=0           | size         | an integer from 1 to 200",
                "size=201         | size         | an integer from 1 to 200",
                "size=1.5         | size         | an integer from 1 to 200",
                "status=DONE      | status       | one of QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT",
                "since=yesterday  | since        | 2025-06-01T08:00:00Z",
                "since=2025-13-01 | since        | a date such as 2025-06-01",
                "experimentId=a%20b | experimentId | an experiment id",
                "variant=%3Cx%3E  | variant      | a variant name",
            })
    void bad_parameters_are_problems_naming_the_field_and_what_is_allowed(String query, String field, String allowed)
            throws Exception {
        mvc.perform(get(URI.create("/api/runs?" + query)))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:spark-break-lab:problem:invalid-input"))
                .andExpect(jsonPath("$.field").value(field))
                .andExpect(jsonPath("$.allowed").value(containsString(allowed)))
                .andExpect(jsonPath("$.detail").value(containsString(field + " must be")));
    }
}
