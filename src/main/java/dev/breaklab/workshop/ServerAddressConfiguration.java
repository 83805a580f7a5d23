package dev.breaklab.workshop;

import java.net.InetAddress;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Where the lab listens unless {@code server.address} says otherwise: loopback only, so nobody else
 * on the network reaches a lab that has one (local) user; every interface when a room is served
 * ({@code lab.workshops.enabled=true}).
 */
@Component
class ServerAddressConfiguration implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

    private final Environment environment;
    private final WorkshopProperties properties;

    ServerAddressConfiguration(Environment environment, WorkshopProperties properties) {
        this.environment = environment;
        this.properties = properties;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
        if (environment.containsProperty("server.address")) {
            return;
        }
        factory.setAddress(properties.enabled() ? null : InetAddress.getLoopbackAddress());
    }

    @Override
    public int getOrder() {
        // After Boot's own customizer, which applies server.* properties.
        return Ordered.LOWEST_PRECEDENCE;
    }
}
