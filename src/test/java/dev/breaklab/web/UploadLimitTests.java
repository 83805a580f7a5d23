package dev.breaklab.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.breaklab.LabTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An event-log upload over {@code spring.servlet.multipart.max-file-size}, over real HTTP: Tomcat
 * refuses the part while parsing it, before any controller runs, and the lab still answers with its
 * own 413 problem (the test profile sets the limit to 24 MB).
 */
@LabTest
class UploadLimitTests {

    @LocalServerPort
    int port;

    @Autowired
    JsonMapper json;

    @Test
    void a_part_over_the_multipart_limit_is413_problem_json() throws Exception {
        String boundary = "----lab" + System.nanoTime();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 25 * 1024 * 1024 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        Arrays.fill(body, head.length, body.length - tail.length, (byte) '\n');
        System.arraycopy(tail, 0, body, body.length - tail.length, tail.length);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/imports"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("urn:spark-break-lab:problem:event-log-too-large");
        assertThat(problem.get("detail").asString()).contains("lab.imports.max-bytes");
    }
}
