package dev.breaklab.run;

public record StateOperatorSnapshot(
        String operatorName,
        long numRowsTotal,
        long numRowsUpdated,
        long numRowsRemoved,
        long memoryUsedBytes,
        long numRowsDroppedByWatermark,
        long numShufflePartitions,
        long numStateStoreInstances) {}
