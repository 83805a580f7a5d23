package dev.breaklab;

import dev.breaklab.engine.EmbeddedSpark;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Tests start on a ready lab: Spark starts beside the Spring context (engine/SparkStarter), and the
 * test context waits for it here, once every bean exists.
 */
@TestConfiguration(proxyBeanMethods = false)
class SparkReady {

    @Bean
    SmartInitializingSingleton sparkIsReady(EmbeddedSpark spark) {
        return spark::session;
    }
}
