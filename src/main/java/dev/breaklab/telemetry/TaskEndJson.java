package dev.breaklab.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.JsonProtocol;

/**
 * Reads a {@code SparkListenerTaskEnd} line, most of an event log (every task ends once), leaving
 * out while it reads what no imported run uses: the task's executor metrics (JVM and process memory
 * peaks, {@code "Task Executor Metrics"}) and the task-metric accumulator updates in {@code "Task
 * Info"."Accumulables"} (the task metrics again, named {@code internal.metrics.*}). The SQL metric
 * updates stay there, which is what {@link SqlMetricTotals} reads. The rest is Spark's own {@code JsonProtocol} ({@code taskInfoFromJson}, {@code
 * taskMetricsFromJson}, {@code taskEndReasonFromJson}) on the smaller tree: the same {@code TaskInfo}
 * and {@code TaskMetrics} the full parse gives, and zero {@code ExecutorMetrics} (what Spark reads
 * from a log that has none). Built with Jackson's streaming parser the way {@code
 * readTree} builds it (int, long, big integer and double nodes alike), so Spark reads the values
 * the same; a line that is not JSON fails with Jackson's {@link JsonParseException} as before.
 */
final class TaskEndJson {

    /** How Spark's {@code JsonProtocol} starts every task end it writes. */
    static final String PREFIX = "{\"Event\":\"SparkListenerTaskEnd\"";

    /**
     * Spark's {@code InternalAccumulator.METRICS_PREFIX}. Not the {@code Internal} flag: Spark 4.2
     * writes {@code "Internal": true} on SQL metric updates too.
     */
    private static final String TASK_METRICS_PREFIX = "internal.metrics.";

    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** What Spark reads when a task end has no executor metrics: every metric 0. */
    private static final ExecutorMetrics NO_EXECUTOR_METRICS = JsonProtocol.executorMetricsFromJson(null);

    private enum Level {
        ROOT,
        TASK_INFO,
        OTHER
    }

    private TaskEndJson() {}

    static boolean isTaskEnd(String line) {
        return line.startsWith(PREFIX);
    }

    static SparkListenerTaskEnd parse(String line) throws IOException {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "a task end is a JSON object");
            }
            ObjectNode root = object(p, Level.ROOT);
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "text after the task end's JSON object");
            }
            return taskEnd(root);
        }
    }

    /**
     * Spark's {@code taskEndFromJson}, field for field, but for the executor metrics: one shared zero
     * {@code ExecutorMetrics} (nobody reads it; Spark builds a fresh one from an absent field).
     */
    private static SparkListenerTaskEnd taskEnd(ObjectNode json) {
        JsonNode attempt = json.get("Stage Attempt ID");
        return new SparkListenerTaskEnd(
                json.get("Stage ID").intValue(),
                attempt == null || attempt.isNull() ? 0 : attempt.intValue(),
                json.get("Task Type").textValue(),
                JsonProtocol.taskEndReasonFromJson(json.get("Task End Reason")),
                JsonProtocol.taskInfoFromJson(json.get("Task Info")),
                NO_EXECUTOR_METRICS,
                JsonProtocol.taskMetricsFromJson(json.get("Task Metrics")));
    }

    private static ObjectNode object(JsonParser p, Level level) throws IOException {
        ObjectNode node = NODES.objectNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (level == Level.ROOT && "Task Executor Metrics".equals(name)) {
                p.skipChildren();
            } else if (level == Level.ROOT && "Task Info".equals(name) && value == JsonToken.START_OBJECT) {
                node.set(name, object(p, Level.TASK_INFO));
            } else if (level == Level.TASK_INFO && "Accumulables".equals(name) && value == JsonToken.START_ARRAY) {
                node.set(name, sqlAccumulables(p));
            } else {
                node.set(name, value(p, value));
            }
        }
        return node;
    }

    /** A task's accumulator updates but those of its task metrics (Spark writes {@code Name} right after {@code ID}). */
    private static ArrayNode sqlAccumulables(JsonParser p) throws IOException {
        ArrayNode out = NODES.arrayNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.START_OBJECT) {
                out.add(value(p, t));
                continue;
            }
            ObjectNode update = NODES.objectNode();
            boolean internal = false;
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (internal) {
                    p.skipChildren();
                } else if ("Name".equals(name)
                        && value == JsonToken.VALUE_STRING
                        && p.getText().startsWith(TASK_METRICS_PREFIX)) {
                    internal = true;
                } else {
                    update.set(name, value(p, value));
                }
            }
            if (!internal) {
                out.add(update);
            }
        }
        return out;
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> object(p, Level.OTHER);
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    array.add(value(p, e));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT ->
                switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new JsonParseException(p, "unexpected " + t);
        };
    }
}
