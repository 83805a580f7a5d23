package dev.breaklab.history;

import java.util.Optional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jdbc.core.convert.JdbcCustomConversions;
import org.springframework.data.jdbc.core.mapping.JdbcMappingContext;
import org.springframework.data.jdbc.repository.config.AbstractJdbcConfiguration;
import org.springframework.data.relational.RelationalManagedTypes;
import org.springframework.data.relational.core.mapping.NamingStrategy;

/**
 * Spring Data JDBC as the run history needs it (Spring Boot's own configuration backs off for this
 * one). Identifiers are not quoted: Spring Data would quote {@code runs} as written but derived
 * column names in the dialect's case ({@code "ID"} on H2, {@code "id"} on PostgreSQL), and no single
 * spelling of a quoted name matches the schema on both databases; unquoted, each database folds the
 * names as the Flyway scripts created them.
 */
@Configuration(proxyBeanMethods = false)
public class HistoryJdbcConfiguration extends AbstractJdbcConfiguration {

    @Override
    public JdbcMappingContext jdbcMappingContext(
            Optional<NamingStrategy> namingStrategy,
            JdbcCustomConversions customConversions,
            RelationalManagedTypes jdbcManagedTypes) {
        JdbcMappingContext context = super.jdbcMappingContext(namingStrategy, customConversions, jdbcManagedTypes);
        context.setForceQuote(false);
        return context;
    }
}
