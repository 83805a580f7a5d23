package dev.breaklab.catalog;

/**
 * Variant settings that many lessons share, each written once. A variant still shows every setting
 * it applies: these only spare the lesson from spelling them again.
 */
final class Variants {

    private Variants() {}

    /** AQE off ({@code spark.sql.adaptive.enabled=false}): the plan Spark chose up front runs as is. */
    static Variant aqeOff(String name) {
        return Variant.of(name).withConf("spark.sql.adaptive.enabled", "false");
    }

    /** AQE on ({@code spark.sql.adaptive.enabled=true}, Spark's default since 3.2). */
    static Variant aqeOn(String name) {
        return Variant.of(name).withConf("spark.sql.adaptive.enabled", "true");
    }

    /** AQE off and no automatic broadcast: a shuffle join stays a shuffle join. */
    static Variant shuffleJoin(String name) {
        return aqeOff(name).withConf("spark.sql.autoBroadcastJoinThreshold", "-1");
    }

    /**
     * AQE's skew join with its thresholds lowered to the lab's small data ({@code skewedPartitionFactor}
     * 3; {@code skewedPartitionThresholdInBytes} and {@code advisoryPartitionSizeInBytes} both {@code
     * size}), with broadcasting (static and adaptive) and coalescing off so that the join stays a
     * sort-merge join with its splits in plain view.
     */
    static Variant skewJoin(String name, String size) {
        return aqeOn(name)
                .withConf("spark.sql.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.autoBroadcastJoinThreshold", "-1")
                .withConf("spark.sql.adaptive.coalescePartitions.enabled", "false")
                .withConf("spark.sql.adaptive.skewJoin.enabled", "true")
                .withConf("spark.sql.adaptive.skewJoin.skewedPartitionFactor", "3")
                .withConf("spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", size)
                .withConf("spark.sql.adaptive.advisoryPartitionSizeInBytes", size);
    }
}
