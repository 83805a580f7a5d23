package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.breaklab.system.LabProperties;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

/** The switches the engine refuses before anything stops, without Spark (the engine is "still starting"). */
class EngineSwitchRefusalTests {

    private static LabProperties lab(String master) {
        return new LabProperties(
                Path.of("target", "engine-switch-refusals"),
                new LabProperties.Engine("embedded", master, "127.0.0.1", false, 0, "1m"),
                new LabProperties.Runs(1, 1, Duration.ofSeconds(1), Duration.ofSeconds(1), 1));
    }

    @Test
    void remote_without_a_standalone_master_is_a_409_naming_lab_engine_master() {
        SparkEngine engine = new SparkEngine(EmbeddedSpark.starting(), lab("local[2]"), null);

        ErrorResponseException refused =
                catchThrowableOfType(ErrorResponseException.class, () -> engine.switchTo(EngineMode.REMOTE));

        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(refused.getBody().getType().toString()).endsWith("engine-not-configured");
        assertThat(refused.getBody().getProperties()).containsEntry("field", "lab.engine.master");
        assertThat(refused.getBody().getDetail()).contains("lab.engine.master=spark://");
    }

    @Test
    void a_switch_while_the_engine_starts_is_a_409() {
        EmbeddedSpark starting = EmbeddedSpark.starting();
        SparkEngine engine = new SparkEngine(starting, lab("spark://cluster:7077"), null);

        ErrorResponseException refused =
                catchThrowableOfType(ErrorResponseException.class, () -> engine.switchTo(EngineMode.REMOTE));

        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(refused.getBody().getType().toString()).endsWith("engine-busy");
        assertThat(starting.state()).isEqualTo(EmbeddedSpark.State.STARTING);
    }
}
