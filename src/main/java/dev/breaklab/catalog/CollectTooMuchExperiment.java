package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Knob.DecimalKnob;
import java.util.List;
import java.util.Set;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** collect() of more than the driver may hold: Spark refuses cleanly thanks to the result-size guard. */
@Component
class CollectTooMuchExperiment extends ExperimentBase {

    CollectTooMuchExperiment() {
        super(define("collect-too-much", CollectTooMuchExperiment.class)
                .concepts(Concept.MEMORY, Concept.SPARK_UI)
                .knob(DecimalKnob.of("guardMultiple", 2.0, 0.1, 4.0, "x maxResultSize"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Questions.outcome())
                .evidence(Evidence.failsWith("guard-tripped", Set.of("broken"), "spark.driver.maxResultSize"))
                .evidence(Evidence.succeeds("aggregated", Set.of("fixed")))
                .primaryFinding("result-size"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long guard = JavaUtils.byteStringAsBytes(
                run.spark().sparkContext().getConf().get("spark.driver.maxResultSize", "1g"));
        long rows = (long) (guard * k.decimal("guardMultiple") / 256); // 256 characters a row
        Dataset<Row> wide = run.spark()
                .range(0, rows, 1, 16)
                .select(concat(
                                sha2(concat(col("id").cast("string"), lit("a")), 512),
                                sha2(concat(col("id").cast("string"), lit("b")), 512))
                        .as("payload"));
        List<Row> result = run.variant().equals("fixed")
                ? run.collect(wide.agg(count(lit(1)), sum(length(col("payload")))))
                : run.collect(wide);
        // lesson:end
        return result.size() + " row(s) collected";
    }
}
