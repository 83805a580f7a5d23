package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.plan.PlanNode;
import dev.breaklab.run.RunQueries;
import dev.breaklab.run.RunSnapshot;
import dev.breaklab.run.SparkMetricText;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.springframework.stereotype.Component;

/** A Java UDF as a filter: the optimizer cannot see inside, so nothing reaches the Parquet scan. */
@Component
class UdfOpacityExperiment extends ExperimentBase {

    static final String ID = "udf-opacity";

    UdfOpacityExperiment() {
        super(define(ID, UdfOpacityExperiment.class)
                .concepts(Concept.STAGES, Concept.SPARK_UI)
                .knob(Knobs.rows(400_000, 20_000_000))
                .knob(IntegerKnob.of("files", 8, 2, 200, "files"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .variant(Variant.of("udf-plus-builtin"))
                .question(Questions.yesNo("pushed", run -> !RunQueries.scanList(scan(run), "PushedFilters")
                        .isEmpty()))
                .question(Question.number(
                        "rows-decoded", run -> SparkMetricText.orZero(scan(run), "number of output rows")))
                .evidence(Evidence.central("nothing-pushed", Set.of("broken"), run -> {
                    PlanNode scan = scan(run);
                    long decoded = SparkMetricText.orZero(scan, "number of output rows");
                    return Verdict.of(
                            RunQueries.scanList(scan, "PushedFilters").isEmpty()
                                    && decoded == RunQueries.knob(run, "rows"),
                            "PushedFilters %s; scan: %,d rows from %d files; the Filter kept %,d",
                            RunQueries.scanList(scan, "PushedFilters"),
                            decoded,
                            SparkMetricText.orZero(scan, "number of files read"),
                            kept(run, scan));
                }))
                .evidence(Evidence.of("udf-in-codegen", Set.of("broken"), run -> {
                    boolean inside = RunQueries.finalOperators(run).stream()
                            .filter(n -> n.nodeName().startsWith("WholeStageCodegen"))
                            .anyMatch(UdfOpacityExperiment::hasUdfFilter);
                    return Verdict.of(inside, "Filter UDF(...) inside a WholeStageCodegen stage: %s", inside);
                }))
                .evidence(Evidence.of("row-groups-skipped", Set.of("fixed", "udf-plus-builtin"), run -> {
                    PlanNode scan = scan(run);
                    long decoded = SparkMetricText.orZero(scan, "number of output rows");
                    long perFile = RunQueries.knob(run, "rows") / RunQueries.knob(run, "files");
                    return Verdict.of(
                            !RunQueries.scanList(scan, "PushedFilters").isEmpty() && decoded <= 2 * perFile,
                            "PushedFilters %s; scan: %,d rows decoded, %d files opened; the Filter kept %,d",
                            RunQueries.scanList(scan, "PushedFilters"),
                            decoded,
                            SparkMetricText.orZero(scan, "number of files read"),
                            kept(run, scan));
                }))
                .primaryFinding("filter-not-pushed"));
    }

    private static PlanNode scan(RunSnapshot run) {
        return RunQueries.fileScans(run).stream()
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no file scan"));
    }

    private static long kept(RunSnapshot run, PlanNode scan) {
        return RunQueries.filterOver(run.finalPlans(), scan)
                .map(f -> SparkMetricText.orZero(f, "number of output rows"))
                .orElse(-1L);
    }

    /** Whether a codegen stage holds the UDF filter itself (not behind an InputAdapter, another stage). */
    private static boolean hasUdfFilter(PlanNode node) {
        if (node.nodeName().equals("Filter") && node.marked("UDF(")) {
            return true;
        }
        return !node.nodeName().startsWith("InputAdapter")
                && node.children().stream().anyMatch(UdfOpacityExperiment::hasUdfFilter);
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long start = 1_767_225_600_000L; // 2026-01-01T00:00:00Z in epoch milliseconds: the first event
        long rows = k.integer("rows");
        String dir = run.workDir().resolve("events").toString();
        run.spark()
                .range(0, rows, 1, (int) k.integer("files"))
                .select(
                        col("id"),
                        col("id").multiply(1_000).plus(lit(start)).as("event_time"), // one event a second
                        pmod(col("id").multiply(7), lit(1_000)).as("amount"))
                .write()
                .mode("overwrite")
                .parquet(dir);
        long cutoff = start + (rows - rows / 10) * 1_000; // the last 10% of the time span
        UserDefinedFunction isRecent = udf((UDF1<Long, Boolean>) t -> t >= cutoff, DataTypes.BooleanType);
        Column recent =
                switch (run.variant()) {
                    case "fixed" -> col("event_time").geq(cutoff);
                    case "udf-plus-builtin" -> col("event_time").geq(cutoff).and(isRecent.apply(col("event_time")));
                    default -> isRecent.apply(col("event_time"));
                };
        Dataset<Row> query = run.spark()
                .read()
                .parquet(dir)
                .where(recent)
                .agg(count(lit(1)).as("events"), sum("amount").as("amount"));
        run.execute(query);
        // lesson:end
        return rows + " events written in time order, the last 10% selected";
    }
}
