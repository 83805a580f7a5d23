package dev.breaklab.playground;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The playground's datasets and sandbox limits, under {@code lab.playground.*}.
 *
 * @param scaleFactor TPC-H scale factor of the generated tables (0.01: 15,000 orders, about 60,000
 *     line items); from 0.001 to 0.1
 * @param hotCustomerShare share of all orders that belong to one hot customer ({@link
 *     TpchData#HOT_CUSTOMER}), the skew knob; 0 for TPC-H's uniform spread, at most 0.9
 * @param maxSqlLength longest query text accepted, in characters
 * @param maxRangeRows most rows one {@code range(...)} may produce
 * @param maxShufflePartitions upper bound of {@code spark.sql.shuffle.partitions} and of any
 *     partition count a query asks for ({@code REPARTITION(n)}, {@code range(.., .., .., n)})
 * @param timeout time limit of a playground run (a request may ask for less)
 */
@ConfigurationProperties("lab.playground")
public record PlaygroundProperties(
        @DefaultValue("0.01") double scaleFactor,
        @DefaultValue("0.2") double hotCustomerShare,
        @DefaultValue("10000") int maxSqlLength,
        @DefaultValue("10000000") long maxRangeRows,
        @DefaultValue("1000") int maxShufflePartitions,
        @DefaultValue("60s") Duration timeout) {

    public PlaygroundProperties {
        if (scaleFactor < 0.001 || scaleFactor > 0.1) {
            throw new IllegalArgumentException(
                    "lab.playground.scale-factor must be from 0.001 to 0.1, got " + scaleFactor);
        }
        if (hotCustomerShare < 0 || hotCustomerShare > 0.9) {
            throw new IllegalArgumentException(
                    "lab.playground.hot-customer-share must be from 0 to 0.9, got " + hotCustomerShare);
        }
    }
}
