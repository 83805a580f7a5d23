package dev.breaklab.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plan node as a learner reads it: the operator ({@code SortMergeJoin}), the markers Spark writes
 * into the node name ({@code skew=true}) and the key arguments, with the noise that changes from
 * one plan version to the next removed: expression ids ({@code key#12L}), {@code plan_id}s and
 * codegen stage numbers. Wrappers that only say how the plan is executed (whole-stage codegen, AQE's
 * query stages, the adaptive root) are spliced out, their children taking their place.
 *
 * @param partitions the partition count an exchange produces, or -1
 * @param node where the operator sits in the {@link PlanNode} tree it came from: the child index at
 *     each level below the root ({@code []} is the root itself); null for a synthetic node
 */
record Operator(
        String name, String markers, String arguments, int partitions, List<Operator> children, List<Integer> node) {

    private static final Set<String> WRAPPERS = Set.of(
            "AdaptiveSparkPlan",
            "InputAdapter",
            "ShuffleQueryStage",
            "BroadcastQueryStage",
            "TableCacheQueryStage",
            "ResultQueryStage",
            "WholeStageCodegen");

    private static final Pattern NAME = Pattern.compile("^(.*?)\\s*(?:\\((.*)\\))?$");
    private static final Pattern EXPRESSION_ID = Pattern.compile("#\\d+L?");
    private static final Pattern PLAN_ID = Pattern.compile(",?\\s*\\[plan_id=\\d+]|,?\\s*plan_id=\\d+");
    // The count is the last argument of the partitioning; greedy, so pmod(id, 1000) is not taken for it.
    private static final Pattern KEYED_PARTITIONING =
            Pattern.compile("(?i)(?:hashpartitioning|rangepartitioning)\\(.*, (\\d+)\\)");
    private static final Pattern ROUND_ROBIN = Pattern.compile("(?i)RoundRobinPartitioning\\((\\d+)\\)");
    private static final int MAX_ARGUMENTS = 300;

    /** The learner's view of a tree: the root's operators after splicing (usually exactly one). */
    static List<Operator> of(PlanNode node) {
        return of(node, List.of());
    }

    private static List<Operator> of(PlanNode node, List<Integer> at) {
        List<Operator> children = new ArrayList<>();
        for (int i = 0; i < node.children().size(); i++) {
            List<Integer> childAt = new ArrayList<>(at);
            childAt.add(i);
            children.addAll(of(node.children().get(i), List.copyOf(childAt)));
        }
        Matcher m = NAME.matcher(node.nodeName().trim());
        String name = m.matches() ? m.group(1) : node.nodeName();
        if (isWrapper(name)) {
            return children;
        }
        String markers = m.matches() && m.group(2) != null ? m.group(2) : "";
        // WholeStageCodegen (2) has its number in parentheses after a space; other names do not.
        String simple = node.simpleString() == null ? "" : node.simpleString().trim();
        String arguments = simple.startsWith(node.nodeName())
                ? simple.substring(node.nodeName().length())
                : simple;
        arguments = clean(arguments);
        return List.of(new Operator(name, clean(markers), arguments, partitions(arguments), List.copyOf(children), at));
    }

    private static boolean isWrapper(String name) {
        return WRAPPERS.contains(name) || name.startsWith("WholeStageCodegen");
    }

    static String clean(String text) {
        String out = EXPRESSION_ID.matcher(text).replaceAll("");
        out = PLAN_ID.matcher(out).replaceAll("");
        out = out.replaceAll("\\s+", " ").trim();
        if (out.startsWith(",")) {
            out = out.substring(1).trim();
        }
        return out.length() <= MAX_ARGUMENTS ? out : out.substring(0, MAX_ARGUMENTS) + "...";
    }

    private static int partitions(String arguments) {
        for (Pattern pattern : List.of(KEYED_PARTITIONING, ROUND_ROBIN)) {
            Matcher m = pattern.matcher(arguments);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return arguments.contains("SinglePartition") ? 1 : -1;
    }

    /** Operators of one kind can replace each other: a join strategy change is a change, not two. */
    String family() {
        if (name.endsWith("Join") || name.equals("CartesianProduct")) {
            return "join";
        }
        if (name.endsWith("Aggregate")) {
            return "aggregate";
        }
        if (name.contains("Exchange")) {
            return "exchange";
        }
        if (name.startsWith("Scan") || name.endsWith("Scan")) {
            return "scan";
        }
        return name;
    }

    /** {@code SortMergeJoin(skew=true) [key], [key], Inner}, without ids: for people. */
    String label() {
        StringBuilder out = new StringBuilder(name);
        if (!markers.isEmpty()) {
            out.append('(').append(markers).append(')');
        }
        if (!arguments.isEmpty()) {
            out.append(' ').append(arguments);
        }
        return out.toString();
    }

    boolean sameOperator(Operator other) {
        return name.equals(other.name);
    }

    boolean sameDetails(Operator other) {
        return markers.equals(other.markers) && arguments.equals(other.arguments);
    }

    int size() {
        int n = 1;
        for (Operator child : children) {
            n += child.size();
        }
        return n;
    }
}
