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
                .title("Collect too much: the driver is not a database")
                .summary("collect() pulls every row into the driver's heap; the result-size guard stops it cleanly.")
                .concepts(Concept.MEMORY, Concept.SPARK_UI)
                .noSql("""
                    The row count is a multiple of spark.driver.maxResultSize, a driver setting the lab chooses \
                    at start-up; SQL can read it only as text (such as 128m), so a SQL version would have to \
                    hard-code a row count that is right for one guard only.""")
                .knob(DecimalKnob.of(
                        "guardMultiple",
                        "Result size",
                        2.0,
                        0.1,
                        4.0,
                        "x maxResultSize",
                        "How much data to produce, as a multiple of spark.driver.maxResultSize"))
                .variant(Variant.of("broken", "collect() everything", "Collect every row to the driver"))
                .variant(Variant.of("fixed", "Aggregate first", "Aggregate on the executors, collect one row"))
                .question(Questions.outcome())
                .evidence(Evidence.failsWith(
                        "guard-tripped",
                        "Spark aborts the job because the results exceed spark.driver.maxResultSize",
                        Set.of("broken"),
                        "spark.driver.maxResultSize"))
                .evidence(Evidence.succeeds(
                        "aggregated", "Aggregating first brings one row home and the run succeeds", Set.of("fixed")))
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
