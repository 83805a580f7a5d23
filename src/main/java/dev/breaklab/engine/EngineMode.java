package dev.breaklab.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where the lab's Spark runs its tasks ({@code lab.engine.mode}). */
public enum EngineMode {
    /** {@code local[N]} inside the lab's JVM: starts fast; no separate executors. */
    EMBEDDED,
    /** A standalone Master and Workers the lab starts as its own child processes. */
    LOCAL_CLUSTER,
    /** An existing standalone cluster at {@code lab.engine.master}. */
    REMOTE;

    public String json() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    boolean clustered() {
        return this != EMBEDDED;
    }

    /** The mode named {@code value} ({@code embedded}, {@code local-cluster}, {@code remote}), if any. */
    public static java.util.Optional<EngineMode> find(String value) {
        return Arrays.stream(values()).filter(m -> m.json().equals(value)).findFirst();
    }

    /** Every mode's name, for problem details: "embedded, local-cluster, remote". */
    public static String names() {
        return Arrays.stream(values()).map(EngineMode::json).collect(Collectors.joining(", "));
    }

    static EngineMode of(String value) {
        for (EngineMode mode : values()) {
            if (mode.json().equals(value)) {
                return mode;
            }
        }
        throw new IllegalStateException("lab.engine.mode=" + value + " is not a mode; use one of "
                + Arrays.stream(values()).map(EngineMode::json).collect(Collectors.joining(", ")));
    }
}
