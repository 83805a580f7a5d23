package dev.breaklab;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms' boundaries (DESIGN, "Architecture"), checked on the compiled classes: Spark stays in
 * catalog, engine and telemetry; everything else reads runs as the Spark-free records of {@code run/}
 * and never the live state telemetry mutates.
 */
class ArchitectureTests {

    private static JavaClasses lab;

    @BeforeAll
    static void importTheLab() {
        lab = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.breaklab");
    }

    @Test
    void spark_stays_in_catalog_engine_telemetry_and_playground() {
        // playground: the sandbox parses and analyses the learner's SQL with Spark's own parser.
        noClasses()
                .that()
                .resideOutsideOfPackages(
                        "dev.breaklab.catalog..",
                        "dev.breaklab.engine..",
                        "dev.breaklab.telemetry..",
                        "dev.breaklab.playground..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.spark..", "scala..")
                .because("only the Spark rooms may touch Spark; the rest works on run records")
                .check(lab);
    }

    @Test
    void the_run_model_and_plans_depend_on_no_other_room() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.breaklab.run..", "dev.breaklab.plan..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.breaklab.catalog..",
                        "dev.breaklab.engine..",
                        "dev.breaklab.telemetry..",
                        "dev.breaklab.insight..",
                        "dev.breaklab.web..",
                        "org.springframework..")
                .check(lab);
    }

    @Test
    void web_insight_and_catalog_never_reach_live_state() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.breaklab.web..", "dev.breaklab.insight..", "dev.breaklab.catalog..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.breaklab.telemetry..")
                .because("live state is telemetry's; readers see snapshots through RunSnapshots")
                .check(lab);
    }

    @Test
    void web_reads_stored_runs_only_through_the_port() {
        noClasses()
                .that()
                .resideInAPackage("dev.breaklab.web..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.breaklab.history..")
                .because("web asks RunSnapshots; whether a run is in memory or in the database is history's business")
                .check(lab);
    }

    @Test
    void history_stores_snapshots_and_never_reaches_spark_or_live_state() {
        noClasses()
                .that()
                .resideInAPackage("dev.breaklab.history..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.breaklab.telemetry..",
                        "dev.breaklab.engine..",
                        "dev.breaklab.catalog..",
                        "dev.breaklab.insight..",
                        "dev.breaklab.web..")
                .because("the history keeps finished snapshots of run/ and reads memory through LiveRuns")
                .check(lab);
    }

    @Test
    void workshops_are_their_own_room_and_nothing_else_depends_on_them() {
        noClasses()
                .that()
                .resideInAPackage("dev.breaklab.workshop..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.breaklab.telemetry..",
                        "dev.breaklab.history..",
                        "dev.breaklab.insight..",
                        "dev.breaklab.web..")
                .because("a workshop starts runs through the engine and reads them as run/ records")
                .check(lab);
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.breaklab.workshop..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.breaklab.workshop..")
                .because("the rest of the lab knows run owners through the run/ port RunOwners only")
                .check(lab);
    }
}
