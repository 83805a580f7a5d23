package dev.breaklab.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** The Spark UI's filter without a room: this machine gets the UI, any other a 403. */
class LoopbackOnlyFilterTests {

    @Test
    void only_loopback_addresses_pass() throws Exception {
        for (String address : new String[] {"127.0.0.1", "::1", "192.168.1.20", "10.0.0.5", ""}) {
            MockHttpServletRequest request = new MockHttpServletRequest("GET", "/jobs/job/kill/");
            request.setRemoteAddr(address);
            MockHttpServletResponse response = new MockHttpServletResponse();
            MockFilterChain chain = new MockFilterChain();
            new LoopbackOnlyFilter().doFilter(request, response, chain);
            boolean local = address.equals("127.0.0.1") || address.equals("::1");
            assertThat(chain.getRequest() != null).as(address).isEqualTo(local);
            assertThat(response.getStatus()).as(address).isEqualTo(local ? 200 : 403);
        }
    }
}
