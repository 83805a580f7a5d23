package dev.breaklab.web;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.engine.EngineInfo;
import dev.breaklab.engine.EngineMode;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.SparkEngine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * {@code PUT /api/engine} without Spark: the real controller and the lab's real security rules; the
 * engine is a mock that bad input and refused callers must never reach.
 */
@WebMvcTest(EngineController.class)
@Import(SecuritySlice.class)
class EngineControllerTests {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    SparkEngine engine;

    @MockitoBean
    EventLogs eventLogs;

    @BeforeEach
    void anEngine() {
        when(engine.info())
                .thenReturn(new EngineInfo(
                        "local-cluster",
                        "local[2]",
                        "4.2.0",
                        "2.13",
                        "17",
                        0,
                        0,
                        List.of(),
                        null,
                        null,
                        false,
                        0,
                        0,
                        -1,
                        "switching",
                        null,
                        "embedded"));
        when(eventLogs.directory()).thenReturn(Path.of("data", "event-logs"));
    }

    private static MockHttpServletRequestBuilder switchTo(String body) {
        return put("/api/engine").contentType(MediaType.APPLICATION_JSON).content(body);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown mode | {\"mode\":\"yarn\"}",
                "missing mode | {}",
                "blank mode | {\"mode\":\" \"}",
                "mode not a string | {\"mode\":{\"name\":\"embedded\"}}",
                "not JSON | {\"mode\":",
                "empty body | ''",
            })
    void bad_input_is_a_problem_naming_mode_and_the_modes_and_nothing_switches(String name, String body)
            throws Exception {
        mvc.perform(switchTo(body))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.type").value("urn:spark-break-lab:problem:invalid-input"))
                .andExpect(jsonPath("$.field").value("mode"))
                .andExpect(jsonPath("$.allowed").value("one of embedded, local-cluster, remote"))
                .andExpect(jsonPath("$.trace").doesNotExist());

        verifyNoInteractions(engine);
    }

    @Test
    void the_local_user_switches_and_gets_202_with_the_engine_switching() throws Exception {
        when(engine.switchTo(EngineMode.LOCAL_CLUSTER)).thenReturn(SparkEngine.Switch.STARTED);

        mvc.perform(switchTo("{\"mode\":\"local-cluster\"}"))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.mode").value("local-cluster"))
                .andExpect(jsonPath("$.state").value("switching"))
                .andExpect(jsonPath("$.switchingFrom").value("embedded"));

        verify(engine).switchTo(EngineMode.LOCAL_CLUSTER);
    }

    @Test
    void switching_to_the_mode_it_runs_is_200_and_nothing_happens() throws Exception {
        when(engine.switchTo(EngineMode.EMBEDDED)).thenReturn(SparkEngine.Switch.ALREADY);

        mvc.perform(switchTo("{\"mode\":\"embedded\"}")).andExpect(status().isOk());
    }

    @Test
    void a_switch_the_engine_refuses_is_its_problem_as_it_is() throws Exception {
        when(engine.switchTo(any()))
                .thenThrow(new org.springframework.web.ErrorResponseException(
                        org.springframework.http.HttpStatus.CONFLICT));

        mvc.perform(switchTo("{\"mode\":\"remote\"}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "instructor token | " + SecuritySlice.INSTRUCTOR + " | 127.0.0.1 | 403",
                "participant token | " + SecuritySlice.PARTICIPANT + " | 127.0.0.1 | 403",
                "remote visitor without a token | | 192.168.1.77 | 401",
            })
    void only_the_lab_s_own_user_may_switch(String name, String token, String address, int status) throws Exception {
        MockHttpServletRequestBuilder request = switchTo("{\"mode\":\"local-cluster\"}")
                .with(r -> {
                    r.setRemoteAddr(address);
                    return r;
                });
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        mvc.perform(request)
                .andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));

        verifyNoInteractions(engine);
    }
}
