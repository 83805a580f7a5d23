package dev.breaklab.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.simp.config.MessageBrokerRegistry;
import org.springframework.web.socket.config.annotation.EnableWebSocketMessageBroker;
import org.springframework.web.socket.config.annotation.StompEndpointRegistry;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketTransportRegistration;

/**
 * STOMP over a plain WebSocket at {@code /ws}: {@code /app/...} reaches the lab's
 * {@code @SubscribeMapping}s, {@code /topic/...} is the in-memory broker that fans run updates out.
 * Order matters to clients that check sequence numbers, so inbound frames of a session are handled
 * in the order they arrive and outbound messages are delivered in publication order.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocketMessageBroker
class StompConfiguration implements WebSocketMessageBrokerConfigurer {

    /** Where browsers may open the WebSocket from: this machine unless a room is served (README, "Workshops"). */
    private final String[] allowedOrigins;

    StompConfiguration(
            @Value("${lab.workshops.allowed-origins:http://localhost:[*],http://127.0.0.1:[*]}")
                    String[] allowedOrigins) {
        this.allowedOrigins = allowedOrigins;
    }

    /** A client that cannot take a message within this time is disconnected. */
    static final int SEND_TIME_LIMIT_MS = 10_000;
    /** Messages buffered for a client that is still busy receiving; beyond it, disconnected. */
    static final int SEND_BUFFER_LIMIT_BYTES = 4 * 1024 * 1024;
    /** Clients only send small frames (CONNECT, SUBSCRIBE); anything larger is refused. */
    static final int INBOUND_MESSAGE_LIMIT_BYTES = 64 * 1024;

    @Override
    public void registerStompEndpoints(StompEndpointRegistry registry) {
        registry.addEndpoint("/ws").setAllowedOriginPatterns(allowedOrigins);
        // A client subscribes to /topic/runs/{id} first and then asks /app/runs/{id} for the snapshot:
        // handled in that order, no update can fall between the two.
        registry.setPreserveReceiveOrder(true);
    }

    @Override
    public void configureMessageBroker(MessageBrokerRegistry registry) {
        registry.enableSimpleBroker("/topic");
        registry.setApplicationDestinationPrefixes("/app");
        registry.setPreservePublishOrder(true);
    }

    @Override
    public void configureWebSocketTransport(WebSocketTransportRegistration registration) {
        registration
                .setSendTimeLimit(SEND_TIME_LIMIT_MS)
                .setSendBufferSizeLimit(SEND_BUFFER_LIMIT_BYTES)
                .setMessageSizeLimit(INBOUND_MESSAGE_LIMIT_BYTES);
    }
}
