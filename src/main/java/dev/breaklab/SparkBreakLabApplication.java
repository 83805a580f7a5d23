package dev.breaklab;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class SparkBreakLabApplication {

    public static void main(String[] args) {
        // `java -jar` cannot take -D flags from the manifest (Add-Opens can); Spark reads these
        // lazily, so setting them before the first Spark class loads is enough.
        setIfAbsent("jdk.reflect.useDirectMethodHandle", "false");
        setIfAbsent("io.netty.tryReflectionSetAccessible", "true");
        SpringApplication.run(SparkBreakLabApplication.class, args);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
