package dev.breaklab.engine;

import dev.breaklab.catalog.Catalog;
import dev.breaklab.catalog.ExperimentDefinition;
import dev.breaklab.catalog.Knob;
import dev.breaklab.catalog.Variant;
import dev.breaklab.insight.ExperimentFixes;
import dev.breaklab.insight.ExperimentFixes.VariantSettings;
import dev.breaklab.insight.RunFacts;
import dev.breaklab.system.LabProperties;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.SparkSession;
import org.springframework.stereotype.Component;

/** The engine's side of the diagnosis: cores and the result-size guard from Spark, fixes from the catalog. */
@Component
class InsightFacts implements RunFacts {

    private final EmbeddedSpark spark;
    private final Catalog catalog;
    private final LabProperties properties;

    InsightFacts(EmbeddedSpark spark, Catalog catalog, LabProperties properties) {
        this.spark = spark;
        this.catalog = catalog;
        this.properties = properties;
    }

    /** Never waits for Spark: a run queued while Spark starts has nothing that depends on cores yet. */
    @Override
    public int cores() {
        return spark.ifReady()
                .map(SparkSession::sparkContext)
                .filter(sc -> !sc.isStopped())
                .map(sc -> sc.defaultParallelism())
                .orElse(1);
    }

    @Override
    public long maxResultSizeBytes() {
        String configured = spark.ifReady()
                .map(s -> s.sparkContext().getConf().get("spark.driver.maxResultSize", "1g"))
                .orElse(properties.engine().maxResultSize());
        return JavaUtils.byteStringAsBytes(configured);
    }

    @Override
    public Optional<ExperimentFixes> fixes(String experimentId) {
        return catalog.find(experimentId).map(e -> fixes(e.definition()));
    }

    static ExperimentFixes fixes(ExperimentDefinition definition) {
        Map<String, String> knobConf = new LinkedHashMap<>();
        for (Knob knob : definition.knobs()) {
            if (knob.sparkConf() != null) {
                knobConf.put(knob.name(), knob.sparkConf());
            }
        }
        return new ExperimentFixes(
                definition.variants().stream()
                        .map(v -> new VariantSettings(v.name(), effectiveConf(definition, v), v.knobs()))
                        .toList(),
                knobConf);
    }

    /** The Spark settings a variant runs with: its own, plus those its knob values set (as the engine does). */
    private static Map<String, String> effectiveConf(ExperimentDefinition definition, Variant variant) {
        Map<String, String> conf = new LinkedHashMap<>(variant.conf());
        for (Knob knob : definition.knobs()) {
            if (knob.sparkConf() != null) {
                Object value = variant.knobs().getOrDefault(knob.name(), knob.defaultValue());
                conf.put(knob.sparkConf(), knob.toConf(value));
            }
        }
        return conf;
    }
}
