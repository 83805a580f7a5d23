package dev.breaklab.engine;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;

/**
 * A servlet filter for the Spark UI ({@code spark.ui.filters}): only this machine gets an answer.
 * Spark binds its UI to {@code SPARK_LOCAL_IP} or every interface (WebUI.bind, an environment
 * variable, not a setting), so without a room being served the lab keeps other machines out here.
 */
public class LoopbackOnlyFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (isLoopback(request.getRemoteAddr())) {
            chain.doFilter(request, response);
        } else {
            ((HttpServletResponse) response)
                    .sendError(
                            HttpServletResponse.SC_FORBIDDEN,
                            "The Spark UI answers this machine only (lab.workshops.enabled=false)");
        }
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false; // InetAddress.getByName("") is the loopback address
        }
        try {
            // An address literal: no name lookup happens.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
