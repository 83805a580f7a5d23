package dev.breaklab.web;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

@LabTest
class ExperimentApiTests {

    /** What the page's "Copy as snippet" asks for: the text, or a problem. */
    static final String SNIPPET = "text/plain, application/problem+json";

    @Autowired
    MockMvc mvc;

    @Value("${local.server.port}")
    int port;

    @Test
    void lists_experiments_with_concepts_variants_and_knobs() throws Exception {
        mvc.perform(get("/api/experiments"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[*].id", hasItems("skewed-join", "tiny-partitions", "collect-too-much")))
                .andExpect(jsonPath("$[?(@.id=='skewed-join')].concepts[*]", hasItems("joins", "aqe")))
                .andExpect(
                        jsonPath("$[?(@.id=='skewed-join')].variants[*].name", hasItems("broken", "fixed", "salted")));
    }

    @Test
    void one_experiment_has_its_story_code_knobs_questions_and_evidence() throws Exception {
        mvc.perform(get("/api/experiments/tiny-partitions"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.story").isString())
                .andExpect(jsonPath("$.code.java").isString())
                .andExpect(jsonPath("$.code.sql").isString())
                .andExpect(
                        jsonPath("$.knobs[?(@.name=='shufflePartitions')].type").value("integer"))
                .andExpect(
                        jsonPath("$.knobs[?(@.name=='shufflePartitions')].max").value(10000))
                .andExpect(jsonPath("$.knobs[?(@.name=='shufflePartitions')].sparkConf")
                        .value("spark.sql.shuffle.partitions"))
                .andExpect(jsonPath("$.questions[0].kind").isString())
                .andExpect(jsonPath("$.evidence[0].claim").isString());
    }

    @Test
    void each_variant_carries_every_spark_setting_it_applies_and_the_code_its_sql_forms() throws Exception {
        mvc.perform(get("/api/experiments/tiny-partitions"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.code.java").value(containsString("run.spark()")))
                .andExpect(jsonPath("$.code.sql").value(containsString("FROM range(${rows})")))
                .andExpect(jsonPath("$.code.sqlByVariant").isMap())
                .andExpect(jsonPath("$.code.noSql").value(nullValue()))
                .andExpect(jsonPath("$.variants.length()").value(3))
                .andExpect(jsonPath("$.definition").doesNotExist())
                // The variant's own conf, then the knob-driven settings with the variant's knob values.
                .andExpect(jsonPath(
                        "$.variants[?(@.name=='broken')].conf['spark.sql.adaptive.enabled']", hasItem("false")))
                .andExpect(jsonPath(
                        "$.variants[?(@.name=='broken')].settings['spark.sql.adaptive.enabled']", hasItem("false")))
                .andExpect(jsonPath(
                        "$.variants[?(@.name=='broken')].settings['spark.sql.shuffle.partitions']", hasItem("1000")))
                .andExpect(jsonPath(
                        "$.variants[?(@.name=='sane-partitions')].settings['spark.sql.shuffle.partitions']",
                        hasItem("8")))
                .andExpect(jsonPath(
                        "$.variants[?(@.name=='fixed')].settings['spark.sql.adaptive.coalescePartitions.enabled']",
                        hasItem("true")));
    }

    @Test
    void a_variant_is_asnippet_in_sql_or_java_with_the_settings_the_lab_applies() throws Exception {
        mvc.perform(get("/api/experiments/tiny-partitions/snippet")
                        .param("variant", "sane-partitions")
                        .param("lang", "sql")
                        .accept(SNIPPET))
                .andExpect(status().isOk())
                .andExpect(content().contentTypeCompatibleWith(MediaType.TEXT_PLAIN))
                .andExpect(content().string(containsString("SET spark.sql.adaptive.enabled=false;\n")))
                .andExpect(content().string(containsString("SET spark.sql.shuffle.partitions=8;\n")))
                .andExpect(content().string(containsString("FROM range(200000)")));
        mvc.perform(get("/api/experiments/tiny-partitions/snippet")
                        .param("variant", "fixed")
                        .param("lang", "java")
                        .accept(SNIPPET))
                .andExpect(status().isOk())
                .andExpect(
                        content().string(containsString("spark.conf().set(\"spark.sql.adaptive.enabled\", \"true\");")))
                .andExpect(content().string(containsString(".range(200000L)")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown experiment | /api/experiments/nope/snippet?variant=broken&lang=sql | 404 | id | tiny-partitions",
                "unknown variant | /api/experiments/tiny-partitions/snippet?variant=nope&lang=sql | 404 | variant | sane-partitions",
                "unknown language | /api/experiments/tiny-partitions/snippet?variant=broken&lang=scala | 400 | lang | sql, java",
            })
    void an_unknown_snippet_is_aproblem_naming_the_field(
            String name, String url, int status, String field, String allowed) throws Exception {
        mvc.perform(get(url).accept(SNIPPET))
                .andExpect(status().is(status))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value(field))
                .andExpect(jsonPath("$.allowed").value(containsString(allowed)));
    }

    @Test
    void engine_health_and_the_real_spark_ui() throws Exception {
        mvc.perform(get("/api/engine"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.mode").value("embedded"))
                .andExpect(jsonPath("$.state").value("running"))
                .andExpect(jsonPath("$.sparkVersion").value(startsWith("4.")))
                .andExpect(jsonPath("$.defaultParallelism").value(2))
                .andExpect(jsonPath("$.sparkUiUrl").value(startsWith("http://127.0.0.1:")));
        mvc.perform(get("/actuator/health"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.components.spark.status").value("UP"))
                .andExpect(jsonPath("$.components.spark.details.state").value("running"))
                .andExpect(jsonPath("$.components.spark.details.queuedRuns").isNumber());

        String ui = com.jayway.jsonpath.JsonPath.read(
                mvc.perform(get("/api/engine")).andReturn().getResponse().getContentAsString(), "$.sparkUiUrl");
        HttpResponse<String> page = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()
                .send(HttpRequest.newBuilder(URI.create(ui + "/jobs/")).build(), HttpResponse.BodyHandlers.ofString());
        Assertions.assertThat(page.statusCode()).isEqualTo(200);
        Assertions.assertThat(page.body()).contains("Spark Jobs");
    }

    @Test
    void the_home_page_lists_the_catalog_over_real_http() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Assertions.assertThat(page.statusCode()).isEqualTo(200);
        Assertions.assertThat(page.body()).contains("data-experiment=\"skewed-join\"", "Spark UI");
        mvc.perform(get("/css/lab.css"))
                .andExpect(status().isOk())
                .andExpect(content().string(org.hamcrest.Matchers.containsString("--accent")));
    }
}
