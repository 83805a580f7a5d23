package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.context.annotation.Configuration;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageChannel;
import org.springframework.messaging.simp.config.ChannelRegistration;
import org.springframework.messaging.simp.stomp.StompCommand;
import org.springframework.messaging.simp.stomp.StompHeaderAccessor;
import org.springframework.messaging.support.ChannelInterceptor;
import org.springframework.messaging.support.MessageHeaderAccessor;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.messaging.access.intercept.AuthorizationChannelInterceptor;
import org.springframework.security.messaging.access.intercept.MessageAuthorizationContext;
import org.springframework.security.messaging.access.intercept.MessageMatcherDelegatingAuthorizationManager;
import org.springframework.security.messaging.context.SecurityContextChannelInterceptor;
import org.springframework.web.socket.config.annotation.WebSocketMessageBrokerConfigurer;

/**
 * STOMP and Spring Security: the CONNECT frame's {@code Authorization: Bearer <token>} header makes
 * the session the token's instructor or participant (checked by the same authentication manager as
 * HTTP requests; an unknown token refuses the connection). A session without a token stays
 * anonymous: it may follow runs, not workshops. Subscribing to a workshop's topic or snapshot takes
 * a member of that workshop.
 */
@Configuration(proxyBeanMethods = false)
class StompSecurityConfiguration implements WebSocketMessageBrokerConfigurer {

    private final AuthenticationManager labAuthentication;

    StompSecurityConfiguration(AuthenticationManager labAuthentication) {
        this.labAuthentication = labAuthentication;
    }

    @Override
    public void configureClientInboundChannel(ChannelRegistration registration) {
        AuthorizationManager<Message<?>> rules = MessageMatcherDelegatingAuthorizationManager.builder()
                .simpSubscribeDestMatchers("/topic/workshops/{id}", "/app/workshops/{id}")
                .access(StompSecurityConfiguration::member)
                .simpDestMatchers("/app/workshops/**", "/topic/workshops/**")
                .denyAll()
                .anyMessage()
                .permitAll()
                .build();
        registration.interceptors(
                new ConnectAuthentication(labAuthentication),
                new SecurityContextChannelInterceptor(),
                new AuthorizationChannelInterceptor(rules));
    }

    private static AuthorizationDecision member(
            Supplier<? extends Authentication> authentication, MessageAuthorizationContext<?> context) {
        String workshop = context.getVariables().get("id");
        return new AuthorizationDecision(SecurityConfiguration.user(authentication.get())
                .filter(u -> u.kind() != RunOwner.Kind.LOCAL)
                .filter(u -> workshop != null && workshop.equals(u.workshopId()))
                .isPresent());
    }

    /** Authenticates the CONNECT frame's bearer token; the session keeps the user for later frames. */
    static final class ConnectAuthentication implements ChannelInterceptor {

        private final AuthenticationManager authentication;

        ConnectAuthentication(AuthenticationManager authentication) {
            this.authentication = authentication;
        }

        @Override
        public Message<?> preSend(Message<?> message, MessageChannel channel) {
            StompHeaderAccessor accessor = MessageHeaderAccessor.getAccessor(message, StompHeaderAccessor.class);
            if (accessor != null && StompCommand.CONNECT.equals(accessor.getCommand())) {
                List<String> headers = accessor.getNativeHeader("Authorization");
                String header = headers == null || headers.isEmpty() ? null : headers.get(0);
                // Gone from the frame before anything can fail: a refused CONNECT is logged with its headers.
                accessor.removeNativeHeader("Authorization");
                if (header != null
                        && header.regionMatches(
                                true, 0, SecurityConfiguration.BEARER, 0, SecurityConfiguration.BEARER.length())) {
                    accessor.setUser(authentication.authenticate(
                            LabAuthentication.bearer(header.substring(SecurityConfiguration.BEARER.length())
                                    .trim())));
                }
            }
            return message;
        }
    }
}
