package dev.breaklab.plan;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a learner compares between two plans of the same job: the join operators, the shuffles, the
 * broadcasts and what AQE did. Two plans with the same shape teach the same lesson, whatever their
 * expression ids, codegen stages or roots (a {@code noop} write or a collect).
 *
 * @param joins the join operators, sorted
 * @param aqe the AQE markers present: {@code skew join}, {@code coalesced read}, {@code skewed
 *     read}, {@code local read}
 */
public record PlanShape(List<String> joins, long shuffleExchanges, long broadcastExchanges, Set<String> aqe) {

    public static PlanShape of(List<PlanNode> plans) {
        List<PlanNode> nodes = plans.stream().flatMap(PlanNode::stream).toList();
        Set<String> aqe = new TreeSet<>();
        for (PlanNode n : nodes) {
            if (n.joinOperator().isPresent() && n.marked("skew=true")) {
                aqe.add("skew join");
            }
            if (n.nodeName().startsWith("AQEShuffleRead")) {
                for (String kind : List.of("coalesced", "skewed", "local")) {
                    if (n.marked(kind)) {
                        aqe.add(kind + " read");
                    }
                }
            }
        }
        return new PlanShape(
                nodes.stream().flatMap(n -> n.joinOperator().stream()).sorted().toList(),
                nodes.stream().filter(PlanNode::isShuffleExchange).count(),
                nodes.stream().filter(n -> n.named("BroadcastExchange")).count(),
                Set.copyOf(aqe));
    }
}
