package dev.breaklab.run;

import java.util.List;

/**
 * One page of a run list, newest first.
 *
 * @param hasNext whether a later page holds more runs
 */
public record RunPage(List<RunSummary> runs, boolean hasNext) {

    public RunPage {
        runs = List.copyOf(runs);
    }
}
