package dev.breaklab.workshop;

import dev.breaklab.run.RunOwner;
import java.util.Optional;

/** Port: the instructor or participant a bearer token belongs to. */
public interface TokenUsers {

    Optional<RunOwner> find(String token);
}
