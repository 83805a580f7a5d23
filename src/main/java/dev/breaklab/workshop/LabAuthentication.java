package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request's credentials and, once the provider accepted them, its user. Two kinds of request:
 * one with a bearer token (an instructor or a participant), one without a token from the lab's own
 * machine (the local user, as the lab has always had). The token is never part of a log line.
 */
final class LabAuthentication extends AbstractAuthenticationToken {

    private final String token;
    private final RunOwner user;

    private LabAuthentication(String token, RunOwner user) {
        super(user == null ? List.of() : List.of(new SimpleGrantedAuthority("ROLE_" + user.kind())));
        this.token = token;
        this.user = user;
        setAuthenticated(user != null);
    }

    static LabAuthentication bearer(String token) {
        return new LabAuthentication(token, null);
    }

    static LabAuthentication local() {
        return new LabAuthentication(null, null);
    }

    static LabAuthentication of(RunOwner user) {
        return new LabAuthentication(null, user);
    }

    boolean isLocalRequest() {
        return token == null && user == null;
    }

    String token() {
        return token;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return user;
    }

    @Override
    public String getName() {
        return user == null ? "unauthenticated" : user.kind() + ":" + user.id();
    }

    @Override
    public String toString() {
        return "LabAuthentication[" + getName() + "]";
    }
}
