package dev.breaklab.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.breaklab.LabTest;
import dev.breaklab.engine.EventLogs;
import dev.breaklab.engine.RunEngine;
import dev.breaklab.engine.RunRequestValidator;
import dev.breaklab.engine.Runs;
import dev.breaklab.run.RunSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.SparkConf;
import org.apache.spark.io.CompressionCodec;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bad uploads, each made from a log real Spark wrote ({@link RealEventLogs}) and broken in one way:
 * each is answered with a problem+json naming what was wrong (and the line where there is one),
 * either at once (400/413) or as the import's FAILED status; no run appears; the lab keeps working.
 * The test profile lowers the limits (24 MB uploads, 2 MB lines) so crossing them is cheap.
 */
@LabTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventLogBadInputTests {

    @Autowired
    SparkSession spark;

    @Autowired
    RunEngine engine;

    @Autowired
    RunStore store;

    @Autowired
    RunRequestValidator validator;

    @Autowired
    RunSnapshots runs;

    @Autowired
    EventLogs eventLogs;

    @Autowired
    MockMvc mvc;

    @Autowired
    JsonMapper json;

    RealEventLogs logs;
    List<String> plain;

    @BeforeAll
    void writeLogs() throws Exception {
        logs = RealEventLogs.get(spark, new Runs(engine, validator, store), eventLogs);
        plain = Files.readAllLines(logs.logs.get("plain"));
    }

    // ---- refused at once

    @Test
    void a_file_that_is_no_event_log_is_the_wrong_format() throws Exception {
        JsonNode p = refused("report.csv", "a,b,c\n1,2,3\n".getBytes(StandardCharsets.UTF_8), 400);
        assertThat(type(p)).isEqualTo("event-log-wrong-format");
        assertThat(p.get("field").asString()).isEqualTo("file");
        assertThat(p.get("detail").asString()).contains("report.csv", "not a Spark event log");
    }

    @Test
    void gzip_is_not_one_of_sparks_codecs() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(String.join("\n", plain).getBytes(StandardCharsets.UTF_8));
        }
        JsonNode p = refused("app.gz", bytes.toByteArray(), 400);
        assertThat(type(p)).isEqualTo("event-log-wrong-format");
        assertThat(p.get("detail").asString()).contains("gzip");
    }

    @Test
    void a_name_that_promises_a_codec_the_bytes_do_not_hold_is_corrupt_compression() throws Exception {
        JsonNode p = refused("app.zstd", Files.readAllBytes(logs.logs.get("lz4")), 400);
        assertThat(type(p)).isEqualTo("event-log-corrupt-compression");
        assertThat(p.get("detail").asString()).contains("not zstd", "lz4");
    }

    @Test
    void a_first_line_that_is_not_json_names_line_one() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        lines.set(0, "{\"Event\": this is not json");
        JsonNode p = refused("app", text(lines), 400);
        assertThat(type(p)).isEqualTo("event-log-not-json");
        assertThat(p.get("line").asLong()).isEqualTo(1);
    }

    @Test
    void a_log_of_spark2_is_an_unsupported_version() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        assertThat(lines.get(0)).contains("SparkListenerLogStart");
        lines.set(0, "{\"Event\":\"SparkListenerLogStart\",\"Spark Version\":\"2.4.8\"}");
        JsonNode p = refused("app-old", text(lines), 400);
        assertThat(type(p)).isEqualTo("event-log-unsupported-version");
        assertThat(p.get("detail").asString()).contains("Spark 2.4.8", "3.0");
        assertThat(p.get("line").asLong()).isEqualTo(1);
    }

    @Test
    void a_log_without_its_log_start_has_no_version() throws Exception {
        JsonNode p = refused("app-headless", text(plain.subList(1, plain.size())), 400);
        assertThat(type(p)).isEqualTo("event-log-unsupported-version");
        assertThat(p.get("detail").asString()).contains("not SparkListenerLogStart");
    }

    @Test
    void an_upload_over_the_size_limit_is413() throws Exception {
        byte[] big = new byte[25 * 1024 * 1024];
        Arrays.fill(big, (byte) '\n');
        byte[] head = text(plain.subList(0, 1));
        System.arraycopy(head, 0, big, 0, head.length);
        JsonNode p = refused("huge", big, 413);
        assertThat(type(p)).isEqualTo("event-log-too-large");
        assertThat(p.get("detail").asString()).contains("lab.imports.max-bytes");
    }

    @Test
    void a_zip_bomb_is_refused_while_extracting() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("app-1"));
            zip.write(text(plain.subList(0, 1)));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                zip.write(zeros);
            }
            zip.closeEntry();
        }
        JsonNode p = refused("bomb.zip", bytes.toByteArray(), 400);
        assertThat(type(p)).isEqualTo("event-log-decompression-bomb");
        assertThat(p.get("detail").asString()).contains("lab.imports.max-ratio");
    }

    @Test
    void a_zip_of_two_applications_is_refused() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String name : List.of("app-1", "app-2")) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(text(plain));
                zip.closeEntry();
            }
        }
        JsonNode p = refused("two.zip", bytes.toByteArray(), 400);
        assertThat(type(p)).isEqualTo("event-log-wrong-format");
        assertThat(p.get("detail").asString()).contains("2 event logs");
    }

    @Test
    void no_file_is_a_problem_naming_the_field() throws Exception {
        MvcResult r = mvc.perform(multipart("/api/imports"))
                .andExpect(status().isBadRequest())
                .andReturn();
        assertThat(json.readTree(r.getResponse().getContentAsString())
                        .get("field")
                        .asString())
                .isEqualTo("file");
    }

    // ---- found while replaying: the import FAILS, naming the line, and no run appears

    @Test
    void a_line_that_is_not_json_fails_the_import_at_that_line() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        lines.add(40, "not json at all");
        JsonNode problem = failed("app-broken", text(lines));
        assertThat(type(problem)).isEqualTo("event-log-not-json");
        assertThat(problem.get("line").asLong()).isEqualTo(41);
        assertThat(problem.get("detail").asString()).contains("line 41");
    }

    @Test
    void json_that_is_no_spark_event_fails_the_import_at_that_line() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        lines.add(30, "{\"Event\":\"SparkListenerTaskEnd\",\"Stage ID\":\"not a number\"}");
        JsonNode problem = failed("app-odd", text(lines));
        assertThat(type(problem)).isEqualTo("event-log-not-an-event");
        assertThat(problem.get("line").asLong()).isEqualTo(31);
    }

    @Test
    void corrupt_compressed_data_fails_the_import_at_the_line_being_read() throws Exception {
        byte[] zstd = Files.readAllBytes(logs.logs.get("zstd"));
        byte[] broken = zstd.clone();
        for (int i = broken.length / 2; i < broken.length / 2 + 64; i++) {
            broken[i] = (byte) (broken[i] ^ 0x5A);
        }
        JsonNode problem = failed("app-damaged.zstd", broken);
        assertThat(type(problem)).isIn("event-log-corrupt-compression", "event-log-not-json", "event-log-not-an-event");
        assertThat(problem.get("line").asLong()).isGreaterThan(1);
    }

    @Test
    void a_decompression_bomb_inside_the_codec_fails() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out =
                CompressionCodec.createCodec(new SparkConf(false), "zstd").compressedOutputStream(bytes)) {
            out.write(text(plain.subList(0, 1)));
            byte[] newlines = new byte[1 << 20];
            Arrays.fill(newlines, (byte) '\n');
            for (int i = 0; i < 64; i++) {
                out.write(newlines);
            }
        }
        JsonNode problem = failed("bomb.zstd", bytes.toByteArray());
        assertThat(type(problem)).isEqualTo("event-log-decompression-bomb");
        assertThat(problem.get("detail").asString()).contains("lab.imports.max-ratio");
    }

    @Test
    void an_absurdly_long_line_fails_at_that_line() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        lines.add(20, "{\"Event\":\"com.example.Padding\",\"pad\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}");
        JsonNode problem = failed("app-long", text(lines));
        assertThat(type(problem)).isEqualTo("event-log-line-too-long");
        assertThat(problem.get("line").asLong()).isEqualTo(21);
        assertThat(problem.get("detail").asString()).contains("lab.imports.max-line-bytes");
    }

    // ---- tolerated

    @Test
    void vendor_events_spark_does_not_know_are_counted_not_fatal() throws Exception {
        List<String> lines = new ArrayList<>(plain);
        for (int i = 0; i < 3; i++) {
            lines.add(10 + i, "{\"Event\":\"com.vendor.spark.QueryProfileEvent\",\"profile\":{\"x\":" + i + "}}");
        }
        JsonNode done = imported("app-vendor", text(lines));
        assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("warnings").toString()).contains("3 events of type com.vendor.spark.QueryProfileEvent");
        assertThat(done.get("runs").size()).isGreaterThan(0);
    }

    @Test
    void redaction_hides_hosts_paths_and_users_in_the_runs() throws Exception {
        String user = System.getProperty("user.name");
        JsonNode done = imported("app-redacted", text(plain), "hosts,paths,users");
        StringBuilder all = new StringBuilder();
        for (JsonNode id : done.get("runs")) {
            all.append(mvc.perform(get("/api/runs/" + id.asString()))
                    .andReturn()
                    .getResponse()
                    .getContentAsString());
        }
        String text = all.toString();
        assertThat(text).contains("<path>");
        assertThat(text).doesNotContain("/lab-data/warehouse");
        assertThat(text).doesNotContain("\"" + user + "\"");
        JsonNode open = imported("app-open", text(plain), null);
        String first = mvc.perform(get("/api/runs/" + open.get("runs").get(0).asString()))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(first).contains("/lab-data/warehouse");
    }

    // ---- helpers

    JsonNode refused(String name, byte[] bytes, int status) throws Exception {
        int before = store.size();
        MvcResult r = mvc.perform(multipart("/api/imports")
                        .file(new MockMultipartFile("file", name, "application/octet-stream", bytes)))
                .andReturn();
        assertThat(r.getResponse().getStatus())
                .as(r.getResponse().getContentAsString())
                .isEqualTo(status);
        assertThat(r.getResponse().getContentType()).contains("application/problem+json");
        assertThat(store.size()).isEqualTo(before);
        return json.readTree(r.getResponse().getContentAsString());
    }

    JsonNode failed(String name, byte[] bytes) throws Exception {
        int before = store.size();
        JsonNode done = imported(name, bytes, null);
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("FAILED");
        assertThat(done.get("runs").size()).isZero();
        assertThat(store.size()).as("nothing half-imported").isEqualTo(before);
        JsonNode problem = done.get("error");
        assertThat(problem.get("status").asInt()).isEqualTo(400);
        assertThat(problem.get("title").asString()).isNotBlank();
        return problem;
    }

    JsonNode imported(String name, byte[] bytes) throws Exception {
        return imported(name, bytes, null);
    }

    JsonNode imported(String name, byte[] bytes, String redact) throws Exception {
        var request =
                multipart("/api/imports").file(new MockMultipartFile("file", name, "application/octet-stream", bytes));
        if (redact != null) {
            request.param("redact", redact);
        }
        MvcResult accepted =
                mvc.perform(request).andExpect(status().isAccepted()).andReturn();
        String id = json.readTree(accepted.getResponse().getContentAsString())
                .get("id")
                .asString();
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    last[0] = json.readTree(mvc.perform(get("/api/imports/" + id))
                            .andReturn()
                            .getResponse()
                            .getContentAsString());
                    return !"RUNNING".equals(last[0].get("status").asString());
                });
        return last[0];
    }

    static String type(JsonNode problem) {
        return problem.get("type").asString().replace("urn:spark-break-lab:problem:", "");
    }

    static byte[] text(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
