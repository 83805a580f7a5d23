package dev.breaklab.catalog;

import static org.apache.spark.sql.functions.*;

import dev.breaklab.catalog.Evidence.Verdict;
import dev.breaklab.catalog.Knob.IntegerKnob;
import dev.breaklab.run.RunQueries;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.stereotype.Component;

/** A count per day in a loop: thirty small actions, the executors idle while the driver plans each. */
@Component
class DriverBoundExperiment extends ExperimentBase {

    static final String ID = "driver-bound";

    DriverBoundExperiment() {
        super(define(ID, DriverBoundExperiment.class)
                .concepts(Concept.STAGES, Concept.SPARK_UI)
                .knob(Knobs.rows(20_000, 10_000_000))
                .knob(IntegerKnob.of("days", 30, 2, 365, "actions"))
                .variant(Variant.of("broken"))
                .variant(Variant.of("fixed"))
                .question(Question.number("jobs", run -> (long) run.jobs().size()))
                .question(Question.number(
                        "driver-share",
                        run -> Math.round(100.0 * RunQueries.driverOnlyMs(run) / Math.max(1, RunQueries.wallMs(run)))))
                .evidence(Evidence.central("executors-idle", Set.of("broken"), run -> {
                    long wall = RunQueries.wallMs(run);
                    long driver = RunQueries.driverOnlyMs(run);
                    return Verdict.of(
                            run.jobs().size() >= RunQueries.knob(run, "days") && 5 * driver > 2 * wall,
                            "%d jobs; wall %,d ms, jobs running %,d ms, driver alone %,d ms (%d%%)",
                            run.jobs().size(),
                            wall,
                            RunQueries.jobCoveredMs(run),
                            driver,
                            Math.round(100.0 * driver / Math.max(1, wall)));
                }))
                .evidence(Evidence.of(
                        "one-query",
                        Set.of("fixed"),
                        run -> Verdict.of(
                                run.jobs().size() <= 3,
                                "%d jobs; wall %,d ms, driver alone %,d ms",
                                run.jobs().size(),
                                RunQueries.wallMs(run),
                                RunQueries.driverOnlyMs(run))))
                .evidence(Evidence.of(
                        "same-counts",
                        Set.of("broken", "fixed"),
                        run -> Verdict.of(
                                run.measurements().getOrDefault("events", -1L) == RunQueries.knob(run, "rows"),
                                "%,d events counted of %,d",
                                run.measurements().getOrDefault("events", -1L),
                                RunQueries.knob(run, "rows"))))
                .primaryFinding("driver-bound"));
    }

    @Override
    public String run(ExperimentRun run) {
        KnobValues k = run.knobs();
        // lesson:start
        long days = k.integer("days");
        Dataset<Row> events = run.spark()
                .range(0, k.integer("rows"), 1, 2)
                .select(col("id"), pmod(col("id"), lit(days)).as("day"));
        long counted = 0;
        if (run.variant().equals("fixed")) {
            List<Row> perDay =
                    run.collect(events.groupBy("day").agg(count(lit(1)).as("events")));
            for (Row row : perDay) {
                counted += row.getLong(1);
            }
        } else {
            for (long day = 0; day < days; day++) {
                List<Row> one =
                        run.collect(events.where(col("day").equalTo(day)).agg(count(lit(1))));
                counted += one.get(0).getLong(0);
            }
        }
        // lesson:end
        run.measure("events", counted);
        return counted + " events counted over " + days + " days";
    }
}
