package dev.breaklab.web;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The experiment API's 404s, without Spark: the real controller over the real catalog. */
@WebMvcTest(ExperimentController.class)
@Import({CatalogSlice.class, SecuritySlice.class})
class ExperimentControllerTests {

    @Autowired
    MockMvc mvc;

    @Test
    void an_unknown_experiment_is_a_404_problem_listing_the_experiments() throws Exception {
        for (String path : new String[] {"/api/experiments/nope", "/api/experiments/nope/snippet?variant=broken"}) {
            mvc.perform(get(path))
                    .andExpect(status().isNotFound())
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(404))
                    .andExpect(jsonPath("$.field").value("id"))
                    .andExpect(jsonPath("$.detail").value(containsString("'nope'")))
                    .andExpect(jsonPath("$.allowed")
                            .value(allOf(containsString("skewed-join"), containsString("tiny-partitions"))));
        }
    }

    @Test
    void an_unknown_variant_of_a_snippet_is_a_404_problem_listing_the_variants() throws Exception {
        mvc.perform(get("/api/experiments/tiny-partitions/snippet").param("variant", "nope"))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("variant"))
                .andExpect(jsonPath("$.allowed").value("one of broken, fixed, sane-partitions"));
    }

    @Test
    void an_experiment_is_served_from_its_definition() throws Exception {
        mvc.perform(get("/api/experiments/tiny-partitions"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value("tiny-partitions"))
                .andExpect(jsonPath("$.variants[*].name").isArray());
    }
}
