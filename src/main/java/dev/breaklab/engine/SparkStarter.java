package dev.breaklab.engine;

import dev.breaklab.system.LabProperties;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * Starts Spark before Spring reads a single bean definition, so the two start side by side: an
 * initializer runs as soon as the lab's settings are known, seconds before the first bean would
 * exist (registered in {@code META-INF/spring.factories}, so tests get it too). The session's owner
 * becomes the bean {@link EmbeddedSpark}; if the lab fails to start, Spark is stopped with it.
 */
public class SparkStarter implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        if (!(context instanceof GenericApplicationContext beans)) {
            return; // SparkConfiguration starts Spark as an ordinary bean then
        }
        LabProperties properties = Binder.get(context.getEnvironment()).bindOrCreate("lab", LabProperties.class);
        EmbeddedSpark spark = EmbeddedSpark.start(properties, SparkConfiguration.servingRoom(context.getEnvironment()));
        beans.registerBean("embeddedSpark", EmbeddedSpark.class, () -> spark);
        context.addApplicationListener(event -> {
            if (event instanceof ApplicationFailedEvent) {
                spark.destroy();
            }
        });
    }
}
