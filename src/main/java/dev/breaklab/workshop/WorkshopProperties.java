package dev.breaklab.workshop;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Workshop mode, under {@code lab.workshops.*} (README, "Workshops").
 *
 * @param enabled serve a room: the lab listens on every interface (unless {@code server.address} is
 *     set), the Spark UI answers other machines but without its kill links. Off: loopback only.
 * @param capacity participants per workshop
 * @param joinAttemptsPerMinute join attempts one client address may make per minute (against code
 *     guessing); beyond it, 429
 * @param publicUrl the lab's address as learners reach it, for join links (e.g.
 *     {@code http://192.168.1.20:8080}); empty: the address of the instructor's request
 * @param allowedOrigins origins a browser may open the WebSocket from (Spring origin patterns)
 * @param learnerRuns learners' own runs (self-paced) one room may have running at once; the rest
 *     wait in the room's fair queue
 */
@ConfigurationProperties("lab.workshops")
public record WorkshopProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("200") int capacity,
        @DefaultValue("30") int joinAttemptsPerMinute,
        @DefaultValue("") String publicUrl,

        @DefaultValue({"http://localhost:[*]", "http://127.0.0.1:[*]"})
        List<String> allowedOrigins,

        @DefaultValue("2") int learnerRuns) {}
