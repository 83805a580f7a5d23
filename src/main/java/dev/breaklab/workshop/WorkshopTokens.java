package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Bearer tokens to users, by their hash. Apart from {@link Workshops}: the security configuration
 * needs this early (the STOMP broker, which the engine's publisher needs, is built with it).
 */
@Component
class WorkshopTokens implements TokenUsers {

    /** Tokens are 43 characters; anything much longer is no token of ours and is not hashed. */
    private static final int MAX_TOKEN = 200;

    private final WorkshopStore store;

    WorkshopTokens(WorkshopStore store) {
        this.store = store;
    }

    @Override
    public Optional<RunOwner> find(String token) {
        if (token == null || token.isBlank() || token.length() > MAX_TOKEN) {
            return Optional.empty();
        }
        return store.userByTokenHash(Tokens.hash(token));
    }
}
