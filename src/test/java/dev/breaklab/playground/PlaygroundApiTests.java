package dev.breaklab.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequest;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.PredictionResult;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.RunStatus;
import dev.breaklab.system.LabProperties;
import dev.breaklab.telemetry.RunStore;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.ObjectMapper;

/**
 * The playground on the whole lab: the datasets, the sandbox's bad-input matrix (every refused
 * construct is a 400 problem naming {@code playground.sql} and the construct, and no run is
 * created), and an accepted query that runs as an ordinary run.
 */
@LabTest
class PlaygroundApiTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    TpchData tpch;

    @Autowired
    PlaygroundProperties limits;

    @Autowired
    LabProperties lab;

    @Autowired
    ObjectProvider<SparkSession> spark;

    final ObjectMapper json = new ObjectMapper();

    /** The lab's tables exist before each test (generated once, on this thread: tests may wait). */
    @BeforeEach
    void tables() {
        tpch.ensure();
    }

    String body(String sql, Map<String, Object> conf) {
        Map<String, Object> playground = new LinkedHashMap<>();
        playground.put("sql", sql);
        playground.put("conf", conf);
        return json.writeValueAsString(Map.of("playground", playground));
    }

    @Test
    void the_tables_are_tpch_with_row_counts_and_the_skew_noted() throws Exception {
        mvc.perform(get("/api/playground/tables"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[*].name")
                        .value(Matchers.contains(
                                "region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")))
                .andExpect(jsonPath("$[0].rows").value(5))
                .andExpect(jsonPath("$[1].rows").value(25))
                .andExpect(jsonPath("$[6].rows").value(15_000))
                .andExpect(jsonPath("$[7].rows")
                        .value(Matchers.allOf(Matchers.greaterThan(50_000), Matchers.lessThan(70_000))))
                .andExpect(jsonPath("$[6].notes").value(Matchers.containsString("o_custkey = 42")))
                .andExpect(jsonPath("$[7].columns[0].name").value("l_orderkey"))
                .andExpect(jsonPath("$[7].columns[0].type").value("BIGINT"));
    }

    @Test
    void tables_not_generated_yet_are_generated_in_the_background_while_requests_answer_at_once() throws Exception {
        TpchData fresh = new TpchData(
                spark, limits, new LabProperties(Files.createTempDirectory("tpch-fresh"), lab.engine(), lab.runs()));
        assertThat(fresh.status().state()).isEqualTo(TpchData.State.NOT_STARTED);

        long start = System.nanoTime();
        List<TpchData.TableInfo> tables = fresh.tables();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(tables).extracting(TpchData.TableInfo::rows).containsOnlyNulls();
        assertThat(fresh.status().state()).isIn(TpchData.State.GENERATING, TpchData.State.READY);

        // A run asked for meanwhile is refused with 503 and Retry-After, not held on the request thread.
        PlaygroundRuns runs = new PlaygroundRuns(spark, fresh, limits);
        if (fresh.status().state() == TpchData.State.GENERATING) {
            assertThatThrownBy(() -> runs.validate(new RunRequest(
                            null,
                            null,
                            Map.of(),
                            Map.of(),
                            null,
                            new RunRequest.Playground("SELECT count(*) FROM orders", Map.of()))))
                    .isInstanceOfSatisfying(ErrorResponseException.class, e -> {
                        assertThat(e.getStatusCode().value()).isEqualTo(503);
                        assertThat(e.getHeaders().getFirst("Retry-After")).isEqualTo("2");
                        assertThat(e.getBody().getDetail()).contains("being generated");
                    });
        }
        await().atMost(Duration.ofMinutes(3)).until(() -> fresh.status().state() == TpchData.State.READY);
        assertThat(fresh.status().tablesDone()).isEqualTo(8);
        assertThat(fresh.tables()).extracting(TpchData.TableInfo::rows).doesNotContainNull();

        mvc.perform(get("/api/playground/tables/status"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.state").value("READY"))
                .andExpect(jsonPath("$.tablesDone").value(8));
    }

    @Test
    void the_form_asks_one_join_question_per_join_of_the_plan_in_plan_order() throws Exception {
        String sql =
                "SELECT /*+ BROADCAST(n) */ n_name, count(*) FROM customer c JOIN orders o ON c_custkey = o_custkey"
                        + " JOIN nation n ON c_nationkey = n_nationkey GROUP BY n_name";
        Map<String, Object> conf = Map.of(
                "spark.sql.adaptive.enabled", false,
                "spark.sql.autoBroadcastJoinThreshold", -1,
                "spark.sql.shuffle.partitions", 4);
        mvc.perform(post("/api/playground/questions")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(Map.of("sql", sql, "conf", conf))))
                .andExpect(status().isOk())
                .andExpect(
                        jsonPath("$[*].id").value(Matchers.contains("stages", "join-1", "join-2", "aqe-changes-plan")))
                .andExpect(jsonPath("$[1].text").value(Matchers.containsString("c_nationkey = n_nationkey")))
                .andExpect(jsonPath("$[2].text").value(Matchers.containsString("c_custkey = o_custkey")))
                .andExpect(jsonPath("$[1].choices").value(Matchers.hasItems("BroadcastHashJoin", "SortMergeJoin")));
        // A refused query is refused here as for a run.
        mvc.perform(post("/api/playground/questions")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(json.writeValueAsString(
                                Map.of("sql", "SELECT reflect('java.lang.System', 'exit', 0)"))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("playground.sql"));

        // Each prediction is checked against the join operators Spark ran, in order.
        String request = json.writeValueAsString(Map.of(
                "playground",
                Map.of("sql", sql, "conf", conf),
                "predictions",
                Map.of("join-1", "BroadcastHashJoin", "join-2", "BroadcastHashJoin")));
        String response = mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(request))
                .andExpect(status().isAccepted())
                .andReturn()
                .getResponse()
                .getContentAsString();
        RunSnapshot run = new Runs(engine, validator, store)
                .awaitFinished(json.readTree(response).get("id").asText(), Duration.ofMinutes(2));
        assertThat(run.status()).as(String.valueOf(run.error())).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.predictions())
                .filteredOn(p -> p.questionId().startsWith("join-"))
                .extracting(PredictionResult::questionId, PredictionResult::actual, PredictionResult::correct)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("join-1", "BroadcastHashJoin", true),
                        org.assertj.core.groups.Tuple.tuple("join-2", "SortMergeJoin", false));
    }

    @Test
    void the_page_lists_the_tables_the_settings_and_the_limits() throws Exception {
        mvc.perform(get("/playground"))
                .andExpect(status().isOk())
                .andExpect(content().string(Matchers.containsString("<code>lineitem</code>")))
                .andExpect(content().string(Matchers.containsString("data-conf=\"spark.sql.shuffle.partitions\"")))
                .andExpect(content().string(Matchers.containsString("At most 10000 characters")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "CREATE TABLE | CREATE TABLE t (a INT) | CREATE TABLE",
                "CREATE TABLE AS SELECT | CREATE TABLE t AS SELECT 1 AS a | CREATE TABLE",
                "DROP TABLE | DROP TABLE orders | DROP TABLE",
                "DROP VIEW | DROP VIEW orders | DROP VIEW",
                "CREATE VIEW | CREATE TEMPORARY VIEW v AS SELECT 1 | CREATE",
                "INSERT | INSERT INTO orders SELECT * FROM orders | INSERT",
                "INSERT OVERWRITE DIRECTORY | INSERT OVERWRITE DIRECTORY '/tmp/x' USING parquet SELECT 1 | INSERT ... DIRECTORY",
                "INSERT LOCAL DIRECTORY | INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x' SELECT 1 | INSERT ... DIRECTORY",
                "DELETE | DELETE FROM orders WHERE o_orderkey = 1 | DELETE",
                "UPDATE | UPDATE orders SET o_custkey = 1 | UPDATE",
                "MERGE | MERGE INTO orders o USING orders s ON o.o_orderkey = s.o_orderkey WHEN MATCHED THEN DELETE | MERGE",
                "LOAD DATA | LOAD DATA LOCAL INPATH '/etc/passwd' INTO TABLE orders | LOAD DATA",
                "ADD JAR | ADD JAR /tmp/evil.jar | ADD JAR",
                "ADD FILE | ADD FILE /etc/passwd | ADD FILE",
                "ADD ARCHIVE | ADD ARCHIVE /tmp/x.zip | ADD ARCHIVE",
                "CREATE FUNCTION | CREATE FUNCTION f AS 'com.example.F' | CREATE FUNCTION",
                "CREATE TEMPORARY FUNCTION with a jar | CREATE TEMPORARY FUNCTION f AS 'x.Y' USING JAR '/tmp/x.jar' | CREATE FUNCTION",
                "CREATE FUNCTION in SQL | CREATE TEMPORARY FUNCTION f() RETURNS INT RETURN 1 | CREATE",
                "SET | SET spark.sql.shuffle.partitions=1 | SET",
                "SET alone | SET | SET",
                "RESET | RESET | RESET",
                "RESET a key | RESET spark.sql.shuffle.partitions | RESET",
                "DECLARE VARIABLE | DECLARE x INT | DECLARE",
                "EXECUTE IMMEDIATE | EXECUTE IMMEDIATE 'DROP TABLE orders' | EXECUTE IMMEDIATE",
                "CACHE TABLE | CACHE TABLE orders | CACHE",
                "UNCACHE TABLE | UNCACHE TABLE orders | UNCACHE",
                "EXPLAIN | EXPLAIN SELECT 1 | EXPLAIN",
                "SHOW TABLES | SHOW TABLES | SHOW",
                "DESCRIBE | DESCRIBE orders | DESCRIBE",
                "USE | USE default | USE",
                "TRANSFORM USING a script | SELECT TRANSFORM(o_orderkey) USING 'cat' AS (k) FROM orders | TRANSFORM",
                "SQL on parquet files | SELECT * FROM parquet.`/etc` | SQL on files",
                "SQL on json files | SELECT * FROM json.`/etc/passwd` | SQL on files",
                "SQL on csv files | SELECT * FROM csv.`/etc/passwd` | SQL on files",
                "SQL on files in a subquery | SELECT * FROM orders WHERE o_orderkey IN (SELECT id FROM parquet.`/tmp`) | SQL on files",
                "reflect | SELECT reflect('java.lang.System', 'getenv', 'HOME') | function reflect",
                "java_method | SELECT java_method('java.lang.System', 'exit', 0) | function java_method",
                "try_reflect | SELECT try_reflect('java.lang.Runtime', 'getRuntime') | function try_reflect",
                "reflect in a WITH query | WITH x AS (SELECT reflect('java.lang.System', 'getenv', 'HOME') AS h) SELECT * FROM x | function reflect",
                "reflect in a subquery | SELECT * FROM orders WHERE o_comment = (SELECT reflect('java.lang.System', 'getenv', 'HOME')) | function reflect",
                "reflect in an aggregate | SELECT max(java_method('java.lang.Math', 'random')) FROM orders | function java_method",
                "input_file_name | SELECT input_file_name() FROM orders | function input_file_name",
                "xpath | SELECT xpath_string('<a>b</a>', 'a') | function xpath_string",
                "from_xml | SELECT from_xml('<a>1</a>', 'a INT') | function from_xml",
                "two statements | SELECT 1; SELECT 2 | more than one statement",
                "a query then DROP | SELECT 1; DROP TABLE orders | more than one statement",
                "unknown table | SELECT * FROM secrets | unknown table secrets",
                "a table of the catalog | SELECT * FROM spark_catalog.default.orders | unknown table",
                "a global temp view | SELECT * FROM global_temp.orders | unknown table",
                "another table function | SELECT * FROM sql_keywords() | table function sql_keywords",
                "a huge range | SELECT count(*) FROM range(100000000000) | range of",
                "range with too many partitions | SELECT * FROM range(0, 10, 1, 100000) | partitions",
                "a REPARTITION hint too big | SELECT /*+ REPARTITION(50000) */ * FROM orders | partitions",
                "a syntax error | SELEC 1 | syntax error",
                "an unknown column | SELECT nope FROM orders | UNRESOLVED_COLUMN",
            })
    void a_refused_construct_is_a_400_naming_it(String name, String sql, String construct) throws Exception {
        int before = store.newestFirst().size();
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(body(sql, Map.of())))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("playground.sql"))
                .andExpect(jsonPath("$.construct").value(Matchers.containsString(construct)))
                .andExpect(jsonPath("$.allowed").value(Matchers.containsString("read-only query")));
        assertThat(store.newestFirst()).as("no run was created").hasSize(before);
    }

    @Test
    void a_query_longer_than_the_limit_is_refused() throws Exception {
        String sql = "SELECT 1 AS a" + " ".repeat(10_000) + "FROM orders";
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(body(sql, Map.of())))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("playground.sql"))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("at most 10000")));
    }

    @Test
    void an_empty_query_is_refused() throws Exception {
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(body("  ", Map.of())))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("playground.sql"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "a setting not on the list | spark.sql.runSQLOnFiles | true | playground.conf.spark.sql.runSQLOnFiles",
                "a JVM setting | spark.driver.extraJavaOptions | -Dx=1 | playground.conf.spark.driver.extraJavaOptions",
                "AQE not a boolean | spark.sql.adaptive.enabled | maybe | playground.conf.spark.sql.adaptive.enabled",
                "too many shuffle partitions | spark.sql.shuffle.partitions | 100000 | playground.conf.spark.sql.shuffle.partitions",
                "zero shuffle partitions | spark.sql.shuffle.partitions | 0 | playground.conf.spark.sql.shuffle.partitions",
                "a huge broadcast threshold | spark.sql.autoBroadcastJoinThreshold | 10000000000 | playground.conf.spark.sql.autoBroadcastJoinThreshold",
                "skew join not a boolean | spark.sql.adaptive.skewJoin.enabled | 1 | playground.conf.spark.sql.adaptive.skewJoin.enabled",
            })
    void a_setting_off_the_list_or_out_of_range_is_refused(String name, String key, String value, String field)
            throws Exception {
        mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body("SELECT count(*) FROM orders", Map.of(key, value))))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value(field));
    }

    @Test
    void a_prediction_that_is_no_answer_is_refused() throws Exception {
        String request = json.writeValueAsString(Map.of(
                "playground", Map.of("sql", "SELECT count(*) FROM orders"),
                "predictions", Map.of("stages", "many")));
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(request))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("predictions.stages"));
    }

    @Test
    void a_time_limit_above_the_playgrounds_is_refused() throws Exception {
        String request = json.writeValueAsString(Map.of(
                "playground",
                Map.of("sql", "SELECT count(*) FROM orders"),
                "timeoutSeconds",
                limits.timeout().toSeconds() + 1));
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(request))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("timeoutSeconds"))
                .andExpect(jsonPath("$.allowed")
                        .value("an integer from 1 to " + limits.timeout().toSeconds()));
    }

    @Test
    void a_query_that_runs_too_long_is_stopped_at_its_time_limit() throws Exception {
        // About 1.4 billion joined rows: far more than 3 seconds of work on any machine.
        String request = json.writeValueAsString(Map.of(
                "playground",
                Map.of(
                        "sql",
                        "SELECT count(*) FROM range(100000) a JOIN range(100000) b ON a.id % 7 = b.id % 7",
                        "conf",
                        Map.of("spark.sql.shuffle.partitions", 4)),
                "timeoutSeconds",
                3));
        String response = mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(request))
                .andExpect(status().isAccepted())
                .andReturn()
                .getResponse()
                .getContentAsString();
        RunSnapshot run = new Runs(engine, validator, store)
                .awaitFinished(json.readTree(response).get("id").asText(), Duration.ofMinutes(2));
        assertThat(run.status()).isEqualTo(RunStatus.TIMED_OUT);
    }

    @Test
    void an_experiment_id_beside_the_playground_is_refused() throws Exception {
        String request = json.writeValueAsString(
                Map.of("experimentId", "tiny-partitions", "playground", Map.of("sql", "SELECT count(*) FROM orders")));
        mvc.perform(post("/api/runs").contentType(MediaType.APPLICATION_JSON).content(request))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("experimentId"));
    }

    @Test
    void an_accepted_query_runs_as_an_ordinary_run_with_its_predictions_judged() throws Exception {
        String request = json.writeValueAsString(Map.of(
                "playground",
                Map.of(
                        "sql",
                        """
                        SELECT c_mktsegment, count(*) AS orders, sum(o_totalprice) AS revenue
                        FROM customer JOIN orders ON c_custkey = o_custkey
                        WHERE o_orderpriority = '1-URGENT'
                        GROUP BY c_mktsegment""",
                        "conf",
                        Map.of(
                                "spark.sql.adaptive.enabled", false,
                                "spark.sql.autoBroadcastJoinThreshold", -1,
                                "spark.sql.shuffle.partitions", 4)),
                "predictions",
                Map.of("stages", "4", "join-1", "SortMergeJoin", "aqe-changes-plan", "no")));
        String response = mvc.perform(post("/api/runs")
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(request))
                .andExpect(status().isAccepted())
                .andExpect(jsonPath("$.experimentId").value("playground"))
                .andExpect(jsonPath("$.variant").value("query"))
                .andExpect(jsonPath("$.knobs.sql").value(Matchers.containsString("c_mktsegment")))
                .andExpect(jsonPath("$.conf['spark.sql.runSQLOnFiles']").value("false"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        String id = json.readTree(response).get("id").asText();
        RunSnapshot run = new Runs(engine, validator, store).awaitFinished(id, Duration.ofMinutes(2));
        assertThat(run.status()).as(String.valueOf(run.error())).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.predictions())
                .extracting(PredictionResult::questionId, PredictionResult::actual, PredictionResult::correct)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("stages", "4", true),
                        org.assertj.core.groups.Tuple.tuple("join-1", "SortMergeJoin", true),
                        org.assertj.core.groups.Tuple.tuple("aqe-changes-plan", "no", true));
        assertThat(run.stagePrediction()).isNotNull();
        assertThat(run.stagePrediction().predictedStages())
                .isEqualTo(run.stagePrediction().stagesRun());
    }
}
