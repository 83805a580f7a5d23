package dev.breaklab.catalog;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The dynamic variant's refusal; its run on a cluster is LocalClusterDynamicAllocationTests. */
class IdleExecutorsExperimentTests {

    @Test
    void the_dynamic_variant_refuses_an_application_without_dynamic_allocation_naming_the_setting() {
        assertThatIllegalStateException()
                .isThrownBy(() -> IdleExecutorsExperiment.requireDynamicAllocation(new SparkConf(false)))
                .withMessageContaining("--lab.engine.cluster.dynamic-allocation=true")
                .withMessageContaining("spark.dynamicAllocation.enabled");
    }

    @Test
    void the_dynamic_variant_runs_on_an_application_with_dynamic_allocation() {
        SparkConf conf = new SparkConf(false).set("spark.dynamicAllocation.enabled", "true");
        assertThatCode(() -> IdleExecutorsExperiment.requireDynamicAllocation(conf))
                .doesNotThrowAnyException();
    }
}
