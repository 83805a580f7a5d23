package dev.breaklab.run;

import java.util.function.ToLongFunction;

/** The phases of a task's time, in the order the Spark UI's event timeline stacks them. */
public enum TaskPhase {
    SCHEDULER_DELAY("in scheduler delay", TaskPhases::schedulerDelayMs),
    DESERIALIZE("deserializing tasks", TaskPhases::deserializeMs),
    SHUFFLE_FETCH_WAIT("waiting for shuffle fetches", TaskPhases::shuffleFetchWaitMs),
    COMPUTE("computing", TaskPhases::computeMs),
    SHUFFLE_WRITE("writing shuffle files", TaskPhases::shuffleWriteMs),
    RESULT_SERIALIZATION("serializing results", TaskPhases::resultSerializationMs),
    GETTING_RESULT("while the driver fetched results", TaskPhases::gettingResultMs);

    private final String label;
    private final ToLongFunction<TaskPhases> value;

    TaskPhase(String label, ToLongFunction<TaskPhases> value) {
        this.label = label;
        this.value = value;
    }

    /** How the phase reads in a sentence: "spent 62% of its task time waiting for shuffle fetches". */
    public String label() {
        return label;
    }

    public long of(TaskPhases phases) {
        return value.applyAsLong(phases);
    }
}
