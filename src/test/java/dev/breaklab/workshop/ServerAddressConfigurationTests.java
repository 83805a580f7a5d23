package dev.breaklab.workshop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.mock.env.MockEnvironment;

/** Where the lab listens: loopback for the local user alone, everywhere for a room, else server.address. */
class ServerAddressConfigurationTests {

    private static WorkshopProperties workshops(boolean enabled) {
        return new WorkshopProperties(enabled, 200, 30, "", List.of("http://localhost:[*]"), 2);
    }

    @Test
    void without_a_room_the_lab_listens_on_loopback_only() {
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
        new ServerAddressConfiguration(new MockEnvironment(), workshops(false)).customize(factory);
        assertThat(factory.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
    }

    @Test
    void serving_a_room_the_lab_listens_on_every_interface() {
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
        new ServerAddressConfiguration(new MockEnvironment(), workshops(true)).customize(factory);
        assertThat(factory.getAddress()).isNull();
    }

    @Test
    void an_explicit_server_address_wins() throws Exception {
        TomcatServletWebServerFactory factory = new TomcatServletWebServerFactory();
        InetAddress configured = InetAddress.getByName("127.0.0.2");
        factory.setAddress(configured);
        new ServerAddressConfiguration(
                        new MockEnvironment().withProperty("server.address", "127.0.0.2"), workshops(true))
                .customize(factory);
        assertThat(factory.getAddress()).isEqualTo(configured);
    }
}
