package dev.breaklab.run;

import java.util.List;

public record Histogram(List<Bin> bins) {
    public record Bin(long from, long to, long count) {}
}
