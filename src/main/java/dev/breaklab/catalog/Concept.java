package dev.breaklab.catalog;

import com.fasterxml.jackson.annotation.JsonValue;

/** The concepts the catalog is grouped by; each is a section of what a Spark engineer must know. */
public enum Concept {
    STAGES("stages", "Stages & tasks"),
    PARTITIONS("partitions", "Partitions"),
    SHUFFLE("shuffle", "Shuffle"),
    JOINS("joins", "Joins"),
    MEMORY("memory", "Memory"),
    AQE("aqe", "Adaptive query execution"),
    STREAMING("streaming", "Structured Streaming"),
    FAULTS("faults", "Faults"),
    SPARK_UI("spark-ui", "Reading the Spark UI");

    private final String tag;
    private final String title;

    Concept(String tag, String title) {
        this.tag = tag;
        this.title = title;
    }

    @JsonValue
    public String tag() {
        return tag;
    }

    public String title() {
        return title;
    }
}
