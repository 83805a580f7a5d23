package dev.breaklab.system;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * A Spark History Server that reads the lab's event logs, under {@code lab.history-server.*}.
 *
 * @param url its address as a browser reaches it (e.g. {@code http://localhost:18080}); when set,
 *     {@code GET /api/engine} reports it and run pages link their jobs there
 */
@ConfigurationProperties("lab.history-server")
public record HistoryServerProperties(String url) {}
