// Physical plans as graphs: SparkPlanInfo trees (PlanNode records) flattened the way the Spark UI
// reads them, a structural diff between two versions (what AQE added, removed or changed), and an
// SVG drawing with each operator's key metrics.
import {svg, el} from './util.js';

let nextId = 1;

const WRAPPERS = new Set(['AdaptiveSparkPlan', 'ShuffleQueryStage', 'BroadcastQueryStage', 'TableCacheQueryStage', 'ResultQueryStage']);

/**
 * Drops the codegen wrappers (WholeStageCodegen, InputAdapter): they change numbering between
 * versions and would make every AQE step look like a rewrite. Their codegen id is kept on the
 * operators inside, as the Spark UI's "*(n)" marks do.
 */
export function flatten(tree, codegen = null) {
  if (!tree) return null;
  const name = tree.nodeName || '';
  const wsc = /^WholeStageCodegen \((\d+)\)$/.exec(name);
  if (wsc && tree.children?.length === 1) {
    const inner = flatten(tree.children[0], Number(wsc[1]));
    if (inner) inner.codegenDuration = metricValue(tree, 'duration');
    return inner;
  }
  if (name === 'InputAdapter' && tree.children?.length === 1) return flatten(tree.children[0], null);
  // AQE's query stages and adaptive root only say how the plan is executed; the operator below keeps
  // a note that its output was materialised (the server's PlanDiff splices them out the same way).
  if (WRAPPERS.has(name) && tree.children?.length === 1) {
    const inner = flatten(tree.children[0], codegen);
    if (inner && name.endsWith('QueryStage')) inner.queryStage = tree.simpleString || name;
    if (inner && name === 'AdaptiveSparkPlan') inner.adaptive = tree.simpleString || name;
    return inner;
  }
  return {
    id: nextId++,
    name,
    text: tree.simpleString || name,
    sig: signature(tree),
    metrics: (tree.metrics || []).filter((m) => m.value !== null && m.value !== undefined),
    codegen,
    children: (tree.children || []).map((c) => flatten(c, codegen)).filter(Boolean),
  };
}

function metricValue(tree, name) {
  return (tree.metrics || []).find((m) => m.name === name)?.value || null;
}

/** What identifies an operator across versions: its description without expression and plan ids. */
function signature(tree) {
  return (tree.simpleString || tree.nodeName || '')
    .replace(/#\d+L?/g, '')
    .replace(/\[plan_id=\d+\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function walk(node, fn) {
  if (!node) return;
  fn(node);
  for (const c of node.children) walk(c, fn);
}

export function nodes(tree) {
  const out = [];
  walk(tree, (n) => out.push(n));
  return out;
}

/** Whether b can be reached from a by peeling up to depth single-child wrappers off b. */
function wraps(wrapper, inner, depth) {
  if (wrapper.name === inner.name) return true;
  return depth > 0 && wrapper.children.length === 1 && wraps(wrapper.children[0], inner, depth - 1);
}

/**
 * Structural diff of two flattened trees. Returns {before: Map(id -> 'removed'|'changed'|'same'),
 * after: Map(id -> 'added'|'changed'|'same'), added, removed, changed} with the nodes concerned.
 */
export function diff(a, b) {
  const before = new Map();
  const after = new Map();
  const result = {before, after, added: [], removed: [], changed: []};
  const mark = (map, node, state, list) => {
    map.set(node.id, state);
    if (list) list.push(node);
  };
  const removeAll = (n) => walk(n, (x) => mark(before, x, 'removed', result.removed));
  const addAll = (n) => walk(n, (x) => mark(after, x, 'added', result.added));

  const match = (x, y) => {
    if (!x && !y) return;
    if (!x) return addAll(y);
    if (!y) return removeAll(x);
    if (x.name === y.name) {
      const same = x.sig === y.sig;
      mark(before, x, same ? 'same' : 'changed');
      mark(after, y, same ? 'same' : 'changed');
      if (!same) result.changed.push({before: x, after: y});
      return matchChildren(x.children, y.children);
    }
    // AQE wraps materialised exchanges (ShuffleQueryStage) and adds reads (AQEShuffleRead) on top.
    if (y.children.length === 1 && wraps(y.children[0], x, 3)) {
      mark(after, y, 'added', result.added);
      return match(x, y.children[0]);
    }
    if (x.children.length === 1 && wraps(x.children[0], y, 3)) {
      mark(before, x, 'removed', result.removed);
      return match(x.children[0], y);
    }
    // A different operator in the same place (e.g. SortMergeJoin -> BroadcastHashJoin).
    mark(before, x, 'changed');
    mark(after, y, 'changed');
    result.changed.push({before: x, after: y});
    return matchChildren(x.children, y.children);
  };

  const matchChildren = (xs, ys) => {
    if (xs.length === ys.length) {
      xs.forEach((x, i) => match(x, ys[i]));
      return;
    }
    // Different arity: pair children by name in order (LCS), the rest is added or removed.
    const n = xs.length;
    const m = ys.length;
    const lcs = Array.from({length: n + 1}, () => new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = wraps(ys[j], xs[i], 3) || wraps(xs[i], ys[j], 3) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (wraps(ys[j], xs[i], 3) || wraps(xs[i], ys[j], 3)) match(xs[i++], ys[j++]);
      else if (lcs[i + 1][j] >= lcs[i][j + 1]) removeAll(xs[i++]);
      else addAll(ys[j++]);
    }
    while (i < n) removeAll(xs[i++]);
    while (j < m) addAll(ys[j++]);
  };

  match(a, b);
  return result;
}

// Metrics worth showing on the node itself, most telling first; the rest are one click away.
const KEY_METRICS = [
  'number of output rows',
  'number of skewed partitions',
  'number of skewed splits',
  'number of coalesced partitions',
  'number of partitions',
  'partition data size',
  'data size',
  'shuffle bytes written',
  'spill size',
  'peak memory',
  'number of files read',
  'size of files read',
  'time in aggregation build',
  'sort time',
];

const UNITS = {B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, ms: 1, s: 1000, min: 60000, h: 3600000};

function parseQuantity(text) {
  const m = /^\s*(-?[\d.,]+)\s*([A-Za-z]+)?/.exec(text || '');
  if (!m) return NaN;
  return parseFloat(m[1].replace(/,/g, '')) * (UNITS[m[2]] || 1);
}

/**
 * Spark's per-task metric text "total (min, med, max (stageId: taskId))\nT (a, b, c (stage s: task t))"
 * as {total, min, med, max, skewed}; plain values as {total}.
 */
export function parseMetric(value) {
  const text = String(value ?? '');
  const lines = text.split('\n');
  if (lines.length === 2 && lines[0].startsWith('total (min, med, max')) {
    const m = /^(.*?) \((.*?), (.*?), (.*?) \(stage ([\d.]+): task (\d+)\)\)$/.exec(lines[1].trim());
    if (m) {
      const med = parseQuantity(m[3]);
      const max = parseQuantity(m[4]);
      return {total: m[1], min: m[2], med: m[3], max: m[4], stage: m[5], task: m[6], skewed: med > 0 ? max / med >= 5 : max > 0 && parseQuantity(m[2]) === 0 && max > 1000};
    }
  }
  return {total: text};
}

function isZero(value) {
  const t = parseMetric(value).total;
  return t === '' || t === '0' || /^0(\.0)? ?(B|ms|ns)?$/.test(t);
}

export function keyMetrics(node, limit = 3) {
  const shown = [];
  for (const name of KEY_METRICS) {
    const m = node.metrics.find((x) => x.name === name);
    if (m && !isZero(m.value)) shown.push(m);
    if (shown.length >= limit) break;
  }
  return shown;
}

function shortLabel(node) {
  let text = node.text.replace(/#\d+L?/g, '').replace(/\[plan_id=\d+\]/g, '');
  if (text.length > 50) text = text.slice(0, 49) + '…';
  return text;
}

const NODE_W = 290;
const ROW_GAP = 26;
const COL_GAP = 18;

/** Tidy tree layout: leaves left to right, each parent centred over its children, root on top. */
function layout(root) {
  const height = (n) => 36 + 14 * keyMetrics(n).length;
  let rowH = 0;
  walk(root, (n) => (rowH = Math.max(rowH, height(n))));
  let slot = 0;
  let maxDepth = 0;
  const place = (n, depth) => {
    n.depth = depth;
    n.h = height(n);
    maxDepth = Math.max(maxDepth, depth);
    if (!n.children.length) {
      n.cx = slot++ * (NODE_W + COL_GAP) + NODE_W / 2;
    } else {
      n.children.forEach((c) => place(c, depth + 1));
      n.cx = (n.children[0].cx + n.children[n.children.length - 1].cx) / 2;
    }
    n.y = depth * (rowH + ROW_GAP);
  };
  place(root, 0);
  return {width: Math.max(1, slot) * (NODE_W + COL_GAP) - COL_GAP + 8, height: (maxDepth + 1) * (rowH + ROW_GAP) - ROW_GAP + 8};
}

/**
 * Draws a flattened plan. states: Map(id -> 'added'|'removed'|'changed'|'same') from diff(), or
 * null. onSelect(node) is called when an operator is clicked or activated with the keyboard.
 */
export function drawPlan(root, {states = null, onSelect = () => {}, label = 'physical plan'} = {}) {
  if (!root) return el('p', {class: 'muted'}, 'no plan yet');
  const size = layout(root);
  const s = svg('svg', {class: 'plan-graph', width: size.width, height: size.height, viewBox: `-4 -4 ${size.width} ${size.height}`, role: 'group', 'aria-label': label});
  const edges = svg('g', {class: 'edges'});
  const boxes = svg('g', {class: 'nodes'});
  s.append(edges, boxes);
  walk(root, (n) => {
    for (const c of n.children) {
      // data flows from child (below) up to the parent
      const x1 = c.cx;
      const y1 = c.y;
      const x2 = n.cx;
      const y2 = n.y + n.h;
      const my = (y1 + y2) / 2;
      edges.append(svg('path', {d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`, class: 'edge', 'marker-end': 'url(#arrow)'}));
    }
    const state = states?.get(n.id) || 'same';
    const g = svg('g', {
      class: `op op-${state}` + (n.name.includes('Exchange') ? ' op-boundary' : '') + (n.queryStage ? ' op-materialized' : ''),
      transform: `translate(${n.cx - NODE_W / 2},${n.y})`,
      tabindex: 0,
      role: 'button',
      'data-node': n.name,
      'data-state': state,
      'aria-label': `${n.text}${state !== 'same' ? ' (' + state + ')' : ''}`,
      onclick: () => onSelect(n),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(n);
        }
      },
    });
    g.append(svg('title', {}, n.text + (n.metrics.length ? '\n' + n.metrics.map((m) => `${m.name}: ${parseMetric(m.value).total}`).join('\n') : '')));
    g.append(svg('rect', {width: NODE_W, height: n.h, rx: 6, class: 'op-box'}));
    const badges = [n.queryStage ? n.queryStage.replace('QueryStage', ' stage') : null, n.codegen !== null ? `*(${n.codegen})` : null].filter(Boolean).join('  ');
    if (badges) g.append(svg('text', {x: NODE_W - 6, y: 14, class: 'op-codegen', 'text-anchor': 'end'}, badges));
    g.append(svg('text', {x: 8, y: 15, class: 'op-name'}, n.name + (state !== 'same' ? `  · ${state}` : '')));
    g.append(svg('text', {x: 8, y: 29, class: 'op-text'}, shortLabel(n)));
    keyMetrics(n).forEach((m, i) => {
      const p = parseMetric(m.value);
      const value = p.max ? `${p.total} (med ${p.med}, max ${p.max})` : p.total;
      let line = `${m.name}: ${value}`;
      if (line.length > 50) line = line.slice(0, 49) + '…';
      g.append(svg('text', {x: 8, y: 44 + i * 14, class: 'op-metric' + (p.skewed ? ' hot' : '')}, line));
    });
    boxes.append(g);
  });
  const defs = svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'}, svg('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead'})));
  s.prepend(defs);
  return s;
}

/** Every metric of one operator, for the details panel. */
export function nodeDetails(node) {
  if (!node) return el('p', {class: 'muted'}, 'Select an operator to see all its metrics.');
  return el('div', {class: 'op-details'},
    el('h4', {}, node.name, node.codegen !== null ? el('span', {class: 'muted'}, ` whole-stage codegen *(${node.codegen})`) : null),
    node.queryStage ? el('p', {class: 'muted small'}, `Materialised by AQE as ${node.queryStage}: its output was computed before the rest was re-planned.`) : null,
    el('pre', {class: 'op-full'}, node.text),
    node.metrics.length
      ? el('table', {class: 'metrics'}, el('tbody', {}, node.metrics.map((m) => {
        const p = parseMetric(m.value);
        return el('tr', {class: p.skewed ? 'hot' : ''}, el('th', {}, m.name), el('td', {}, p.total), el('td', {class: 'muted'}, p.max ? `min ${p.min} · med ${p.med} · max ${p.max} (stage ${p.stage}, task ${p.task})` : ''));
      })))
      : el('p', {class: 'muted'}, 'Spark reports no metrics for this operator.'));
}

/** Summary line of a diff for lists and tests. */
export function diffSummary(d) {
  const names = (list) => [...new Set(list.map((n) => (n.after ? `${n.before.name}→${n.after.name}` : n.name)))];
  return {added: names(d.added), removed: names(d.removed), changed: names(d.changed)};
}
