package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

/** Turns a bearer token into its instructor or participant, and a token-less local request into the local user. */
final class TokenAuthenticationProvider implements AuthenticationProvider {

    private final TokenUsers users;

    TokenAuthenticationProvider(TokenUsers users) {
        this.users = users;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        LabAuthentication request = (LabAuthentication) authentication;
        if (request.isLocalRequest()) {
            return LabAuthentication.of(RunOwner.LOCAL);
        }
        String token = request.token();
        return users.find(token)
                .map(LabAuthentication::of)
                .orElseThrow(() -> new BadCredentialsException("unknown or revoked token"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return LabAuthentication.class.isAssignableFrom(authentication);
    }
}
