package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import dev.breaklab.run.RunOwners;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may do what (README, "Workshops"). Requests carry a bearer token (an instructor or a
 * participant), or none: then a request from the lab's own machine is the local user, as the lab
 * always had, and one from elsewhere is anonymous (it may read, not act). The rules:
 *
 * <ul>
 *   <li>creating a workshop: the local user; joining one: anybody (rate-limited by code guessing);
 *   <li>a workshop's state: its instructor and participants; its answers, raised hands and learners'
 *       own runs: its participants; every other workshop action (the QR code too): its instructor;
 *   <li>submitting a run: the local user, an instructor or a participant; cancelling one: its owner
 *       or the instructor of the owner's workshop ({@link RunOwner#mayCancelRunOf});
 *   <li>switching the engine ({@code PUT /api/engine}): the local user.
 * </ul>
 *
 * The API is token-based and keeps no session, so there is no cookie a cross-site request could ride
 * on: CSRF protection is off. Refusals are problem+json like every other API error.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties(WorkshopProperties.class)
public class SecurityConfiguration {

    static final String BEARER = "Bearer ";

    @Bean
    AuthenticationManager labAuthentication(TokenUsers users) {
        ProviderManager manager = new ProviderManager(new TokenAuthenticationProvider(users));
        manager.setEraseCredentialsAfterAuthentication(false);
        return manager;
    }

    @Bean
    SecurityFilterChain labSecurity(
            HttpSecurity http, AuthenticationManager labAuthentication, RunOwners owners, JsonMapper json)
            throws Exception {
        AuthenticationFilter tokens = new AuthenticationFilter(labAuthentication, SecurityConfiguration::credentials);
        tokens.setSuccessHandler((request, response, authentication) -> {});
        tokens.setFailureHandler((request, response, e) -> problem(
                json, response, 401, "unauthenticated", "Unauthenticated", "The bearer token is unknown or revoked"));
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(c -> c.disable())
                .addFilterBefore(tokens, AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(rules -> rules.requestMatchers(HttpMethod.POST, "/api/workshops")
                        .hasRole("LOCAL")
                        .requestMatchers(HttpMethod.POST, "/api/workshops/join")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/workshops/{id}")
                        .access(member(u -> true))
                        .requestMatchers(
                                HttpMethod.POST,
                                "/api/workshops/{id}/answers",
                                "/api/workshops/{id}/hand",
                                "/api/workshops/{id}/my-runs")
                        .access(member(u -> u.kind() == RunOwner.Kind.PARTICIPANT))
                        .requestMatchers("/api/workshops/{id}/**")
                        .access(member(u -> u.kind() == RunOwner.Kind.INSTRUCTOR))
                        // A learner's own runs go through the room's fair queue (.../my-runs: one active
                        // run per learner, round-robin), never straight to the engine.
                        .requestMatchers(HttpMethod.POST, "/api/runs")
                        .hasAnyRole("LOCAL", "INSTRUCTOR")
                        .requestMatchers(HttpMethod.POST, "/api/playground/questions")
                        .hasAnyRole("LOCAL", "INSTRUCTOR", "PARTICIPANT")
                        .requestMatchers(HttpMethod.DELETE, "/api/runs/{id}")
                        .access(cancel(owners))
                        // An upload of up to lab.imports.max-size replayed on the lab's CPU: the lab's own
                        // user or an instructor, never an anonymous visitor of a served room.
                        .requestMatchers(HttpMethod.POST, "/api/imports")
                        .hasAnyRole("LOCAL", "INSTRUCTOR")
                        // Switching the engine stops everyone's runs: the lab's own user only.
                        .requestMatchers(HttpMethod.PUT, "/api/engine")
                        .hasRole("LOCAL")
                        .anyRequest()
                        .permitAll())
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, ex) -> problem(
                                json,
                                response,
                                401,
                                "unauthenticated",
                                "Unauthenticated",
                                "This needs a token: Authorization: Bearer <token> (join a workshop, or use the"
                                        + " lab from its own machine)"))
                        .accessDeniedHandler((request, response, ex) -> problem(
                                json,
                                response,
                                403,
                                "forbidden",
                                "Forbidden",
                                "Not allowed for " + describe(request) + " (only the run's owner or the workshop's"
                                        + " instructor may do this)")));
        return http.build();
    }

    /** A bearer token, or for a token-less request from this machine the local user; else anonymous. */
    static LabAuthentication credentials(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return LabAuthentication.bearer(header.substring(BEARER.length()).trim());
        }
        return isLoopback(request.getRemoteAddr()) ? LabAuthentication.local() : null;
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        try {
            // An address literal: no name lookup happens.
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The user a request acts for, if any. */
    static Optional<RunOwner> user(Authentication authentication) {
        return authentication != null && authentication.getPrincipal() instanceof RunOwner owner
                ? Optional.of(owner)
                : Optional.empty();
    }

    /** An instructor or participant of the workshop named by the path's {@code id}, meeting {@code rule}. */
    private static AuthorizationManager<RequestAuthorizationContext> member(Predicate<RunOwner> rule) {
        return (Supplier<? extends Authentication> authentication, RequestAuthorizationContext context) -> {
            String workshop = context.getVariables().get("id");
            return new AuthorizationDecision(user(authentication.get())
                    .filter(u -> workshop != null && workshop.equals(u.workshopId()))
                    .filter(rule)
                    .isPresent());
        };
    }

    /** The run's owner or the owner's instructor; a run with no recorded owner, the local user. */
    private static AuthorizationManager<RequestAuthorizationContext> cancel(RunOwners owners) {
        return (Supplier<? extends Authentication> authentication, RequestAuthorizationContext context) -> {
            Optional<RunOwner> user = user(authentication.get());
            if (user.isEmpty()) {
                return new AuthorizationDecision(false);
            }
            RunOwner owner = owners.find(context.getVariables().get("id")).orElse(RunOwner.LOCAL);
            return new AuthorizationDecision(user.get().mayCancelRunOf(owner));
        };
    }

    private static String describe(HttpServletRequest request) {
        return request.getHeader(HttpHeaders.AUTHORIZATION) == null ? "a request without a token" : "this token";
    }

    private static void problem(
            JsonMapper json, HttpServletResponse response, int status, String type, String title, String detail)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:spark-break-lab:problem:" + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), body);
    }
}
