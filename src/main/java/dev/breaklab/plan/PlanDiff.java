package dev.breaklab.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What changed between two physical plans, told the way a learner would: operators added, removed
 * and changed ({@code SortMergeJoin} became {@code BroadcastHashJoin}; an {@code AQEShuffleRead
 * coalesced} was inserted; an exchange went from 2000 to 8 partitions).
 *
 * <p>Both plans are first reduced to their operators ({@link Operator}: no codegen wrappers or query
 * stages, no expression or plan ids), then matched structurally with the Zhang–Shasha ordered tree
 * edit distance, so an operator inserted between two others is one addition, not a cascade of
 * changes. Same operator with other details costs least, an operator of the same kind (a join for a
 * join) next, and unrelated operators are never matched: they are a removal and an addition.
 *
 * @param changes in the order of the plans, top (the result) first
 * @param matched operators found in both plans
 * @param identical no change at all, up to ids
 */
public record PlanDiff(List<Change> changes, int matched, boolean identical) {

    public enum Kind {
        ADDED,
        REMOVED,
        CHANGED
    }

    /**
     * One difference.
     *
     * @param operator the operator as it is in the plan that has it (the new one for a change)
     * @param before the old operator with its details; null when added
     * @param after the new operator with its details; null when removed
     * @param path the operators above it, from the root, e.g. {@code HashAggregate > SortMergeJoin}
     * @param summary one sentence for people
     * @param beforeNode where the old operator sits in the old plan's {@link PlanNode} tree (the child
     *     index at each level below the root, wrappers included), so a drawing can mark it; null when
     *     added
     * @param afterNode the same in the new plan; null when removed
     */
    public record Change(
            Kind kind,
            String operator,
            String before,
            String after,
            String path,
            String summary,
            List<Integer> beforeNode,
            List<Integer> afterNode) {

        /** Whether the operator or its details mention {@code text} on the side that has it. */
        public boolean mentions(String operator, String text) {
            return this.operator.equals(operator)
                    && (after != null && after.contains(text) || after == null && before.contains(text));
        }
    }

    public static PlanDiff between(PlanNode before, PlanNode after) {
        return new TreeDiff(root(before), root(after)).run();
    }

    public boolean any(Predicate<Change> test) {
        return changes.stream().anyMatch(test);
    }

    /** An operator was added whose details mention {@code text}, e.g. {@code AQEShuffleRead}, {@code coalesced}. */
    public boolean added(String operator, String text) {
        return any(c -> c.kind() == Kind.ADDED && c.mentions(operator, text));
    }

    /** An operator changed and its new details mention {@code text}, e.g. {@code SortMergeJoin}, {@code skew=true}. */
    public boolean changedTo(String operator, String text) {
        return any(c -> c.kind() == Kind.CHANGED && c.mentions(operator, text));
    }

    /** Plans whose root splices into several operators get a synthetic root so both are trees. */
    private static Operator root(PlanNode node) {
        List<Operator> top = Operator.of(node);
        return top.size() == 1 ? top.get(0) : new Operator("(plan)", "", "", -1, top, null);
    }

    /** Zhang–Shasha over two operator trees, with the edit script recovered by backtracking. */
    private static final class TreeDiff {

        private static final int INSERT = 10;
        private static final int DELETE = 10;
        private static final int SAME_OPERATOR = 3;
        private static final int SAME_FAMILY = 8;
        private static final int UNRELATED = 1_000;

        private final Indexed a;
        private final Indexed b;
        private final int[][] treeDistance;
        private final int[][] forest;

        TreeDiff(Operator before, Operator after) {
            this.a = new Indexed(before);
            this.b = new Indexed(after);
            this.treeDistance = new int[a.size + 1][b.size + 1];
            this.forest = new int[a.size + 1][b.size + 1];
        }

        PlanDiff run() {
            for (int i : a.keyRoots) {
                for (int j : b.keyRoots) {
                    forestDistance(i, j);
                }
            }
            List<int[]> pairs = new ArrayList<>();
            boolean[] mappedA = new boolean[a.size + 1];
            boolean[] mappedB = new boolean[b.size + 1];
            Deque<int[]> todo = new ArrayDeque<>();
            todo.push(new int[] {a.size, b.size});
            while (!todo.isEmpty()) {
                int[] pair = todo.pop();
                int i = pair[0];
                int j = pair[1];
                forestDistance(i, j);
                int x = i;
                int y = j;
                int li = a.leftmost[i];
                int lj = b.leftmost[j];
                while (x >= li || y >= lj) {
                    if (x >= li && y >= lj) {
                        boolean whole = a.leftmost[x] == li && b.leftmost[y] == lj;
                        if (whole && forest[x][y] == forest[x - 1][y - 1] + rename(x, y)) {
                            pairs.add(new int[] {x, y});
                            mappedA[x] = true;
                            mappedB[y] = true;
                            x--;
                            y--;
                            continue;
                        }
                        if (!whole
                                && forest[x][y] == forest[a.leftmost[x] - 1][b.leftmost[y] - 1] + treeDistance[x][y]) {
                            todo.push(new int[] {x, y});
                            x = a.leftmost[x] - 1;
                            y = b.leftmost[y] - 1;
                            continue;
                        }
                    }
                    if (x >= li && forest[x][y] == at(x - 1, y, li, lj) + DELETE) {
                        x--;
                    } else {
                        y--;
                    }
                }
            }
            return result(pairs, mappedA, mappedB);
        }

        /** forest[x][y] with the empty-forest borders of the current sub-problem. */
        private int at(int x, int y, int li, int lj) {
            if (x < li && y < lj) {
                return 0;
            }
            return forest[x][y];
        }

        private void forestDistance(int i, int j) {
            int li = a.leftmost[i];
            int lj = b.leftmost[j];
            forest[li - 1][lj - 1] = 0;
            for (int x = li; x <= i; x++) {
                forest[x][lj - 1] = forest[x - 1][lj - 1] + DELETE;
            }
            for (int y = lj; y <= j; y++) {
                forest[li - 1][y] = forest[li - 1][y - 1] + INSERT;
            }
            for (int x = li; x <= i; x++) {
                for (int y = lj; y <= j; y++) {
                    int delete = forest[x - 1][y] + DELETE;
                    int insert = forest[x][y - 1] + INSERT;
                    if (a.leftmost[x] == li && b.leftmost[y] == lj) {
                        int d = Math.min(Math.min(delete, insert), forest[x - 1][y - 1] + rename(x, y));
                        forest[x][y] = d;
                        treeDistance[x][y] = d;
                    } else {
                        forest[x][y] = Math.min(
                                Math.min(delete, insert),
                                forest[a.leftmost[x] - 1][b.leftmost[y] - 1] + treeDistance[x][y]);
                    }
                }
            }
        }

        private int rename(int x, int y) {
            Operator p = a.nodes.get(x);
            Operator q = b.nodes.get(y);
            if (p.sameOperator(q)) {
                return p.sameDetails(q) ? 0 : SAME_OPERATOR;
            }
            return p.family().equals(q.family()) ? SAME_FAMILY : UNRELATED;
        }

        private PlanDiff result(List<int[]> pairs, boolean[] mappedA, boolean[] mappedB) {
            List<Located> changes = new ArrayList<>();
            for (int[] pair : pairs) {
                Operator p = a.nodes.get(pair[0]);
                Operator q = b.nodes.get(pair[1]);
                if (!p.sameOperator(q) || !p.sameDetails(q)) {
                    changes.add(new Located(b.preorder[pair[1]], 1, changed(p, q, b.path(pair[1]))));
                }
            }
            for (int y = 1; y <= b.size; y++) {
                if (!mappedB[y] && !b.nodes.get(y).name().equals("(plan)")) {
                    Operator q = b.nodes.get(y);
                    changes.add(new Located(
                            b.preorder[y],
                            1,
                            new Change(
                                    Kind.ADDED,
                                    q.name(),
                                    null,
                                    q.label(),
                                    b.path(y),
                                    q.label() + " added" + context(b, y),
                                    null,
                                    q.node())));
                }
            }
            for (int x = 1; x <= a.size; x++) {
                if (!mappedA[x] && !a.nodes.get(x).name().equals("(plan)")) {
                    Operator p = a.nodes.get(x);
                    changes.add(new Located(
                            a.preorder[x],
                            0,
                            new Change(
                                    Kind.REMOVED,
                                    p.name(),
                                    p.label(),
                                    null,
                                    a.path(x),
                                    p.label() + " removed" + context(a, x),
                                    p.node(),
                                    null)));
                }
            }
            Collections.sort(changes);
            int matched = (int) pairs.stream()
                    .filter(pair -> !a.nodes.get(pair[0]).name().equals("(plan)"))
                    .count();
            return new PlanDiff(changes.stream().map(Located::change).toList(), matched, changes.isEmpty());
        }

        private static Change changed(Operator p, Operator q, String path) {
            String summary;
            if (!p.sameOperator(q)) {
                summary = p.name() + " became " + q.name();
            } else if (!p.markers().equals(q.markers())) {
                summary = q.name() + " now marked " + (q.markers().isEmpty() ? "(none)" : q.markers())
                        + (p.markers().isEmpty() ? "" : " (was " + p.markers() + ")");
            } else if (p.partitions() != q.partitions() && p.partitions() > 0 && q.partitions() > 0) {
                summary =
                        String.format(Locale.ROOT, "%s: %d -> %d partitions", q.name(), p.partitions(), q.partitions());
            } else {
                summary = q.name() + " changed: " + p.arguments() + " -> " + q.arguments();
            }
            return new Change(Kind.CHANGED, q.name(), p.label(), q.label(), path, summary, p.node(), q.node());
        }

        /** "above Exchange" / "under SortMergeJoin": where an added or removed operator sits. */
        private static String context(Indexed tree, int node) {
            Operator op = tree.nodes.get(node);
            if (op.children().size() == 1) {
                return " above " + op.children().get(0).name();
            }
            int parent = tree.parent[node];
            return parent > 0 && !tree.nodes.get(parent).name().equals("(plan)")
                    ? " under " + tree.nodes.get(parent).name()
                    : "";
        }
    }

    /** A change and where it sits (pre-order position in its plan), for a top-down order. */
    private record Located(int position, int side, Change change) implements Comparable<Located> {
        @Override
        public int compareTo(Located o) {
            int c = Integer.compare(position, o.position);
            return c != 0 ? c : Integer.compare(side, o.side);
        }
    }

    /** A tree numbered in post-order (1..n) with leftmost leaves and key roots, as Zhang–Shasha needs. */
    private static final class Indexed {
        final List<Operator> nodes = new ArrayList<>();
        final int size;
        final int[] leftmost;
        final int[] parent;
        final int[] preorder;
        final int[] keyRoots;

        Indexed(Operator root) {
            nodes.add(null);
            List<Integer> lm = new ArrayList<>();
            lm.add(0);
            List<Integer> parents = new ArrayList<>();
            parents.add(0);
            List<Integer> pre = new ArrayList<>();
            pre.add(0);
            int[] counter = {0};
            number(root, lm, parents, pre, counter);
            size = nodes.size() - 1;
            leftmost = lm.stream().mapToInt(Integer::intValue).toArray();
            parent = parents.stream().mapToInt(Integer::intValue).toArray();
            preorder = pre.stream().mapToInt(Integer::intValue).toArray();
            List<Integer> roots = new ArrayList<>();
            for (int i = 1; i <= size; i++) {
                boolean key = true;
                for (int k = i + 1; k <= size; k++) {
                    if (leftmost[k] == leftmost[i]) {
                        key = false;
                        break;
                    }
                }
                if (key) {
                    roots.add(i);
                }
            }
            keyRoots = roots.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Post-order numbering; returns the node's number. Parents are filled in by the caller. */
        private int number(Operator op, List<Integer> lm, List<Integer> parents, List<Integer> pre, int[] counter) {
            int preIndex = ++counter[0];
            List<Integer> childNumbers = new ArrayList<>();
            int first = -1;
            for (Operator child : op.children()) {
                int c = number(child, lm, parents, pre, counter);
                childNumbers.add(c);
                if (first < 0) {
                    first = lm.get(c);
                }
            }
            nodes.add(op);
            int me = nodes.size() - 1;
            lm.add(first < 0 ? me : first);
            parents.add(0);
            pre.add(preIndex);
            for (int c : childNumbers) {
                parents.set(c, me);
            }
            return me;
        }

        String path(int node) {
            List<String> names = new ArrayList<>();
            for (int p = parent[node]; p > 0; p = parent[p]) {
                if (!nodes.get(p).name().equals("(plan)")) {
                    names.add(nodes.get(p).name());
                }
            }
            Collections.reverse(names);
            return String.join(" > ", names);
        }
    }
}
