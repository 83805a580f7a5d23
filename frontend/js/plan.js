// Physical plans as graphs: SparkPlanInfo trees (PlanNode records) flattened the way the Spark UI
// reads them and drawn as SVG with each operator's key metrics. What changed between two plans is
// the server's PlanDiff: its changes name the nodes (beforeNode / afterNode paths), the drawing only
// colours them.
import {svg, el, bytes, ms, count} from './util.js';

const WRAPPERS = new Set(['AdaptiveSparkPlan', 'ShuffleQueryStage', 'BroadcastQueryStage', 'TableCacheQueryStage', 'ResultQueryStage']);

/**
 * Drops the codegen wrappers (WholeStageCodegen, InputAdapter): they change numbering between
 * versions and are not operators. Their codegen id is kept on the operators inside, as the Spark UI's
 * "*(n)" marks do. Every node keeps its path in the original tree (child indexes joined by '.'),
 * the address the server's PlanDiff uses.
 */
export function flatten(tree, codegen = null, path = []) {
  if (!tree) return null;
  const name = tree.nodeName || '';
  const children = tree.children || [];
  const wsc = /^WholeStageCodegen \((\d+)\)$/.exec(name);
  if (wsc && children.length === 1) return flatten(children[0], Number(wsc[1]), [...path, 0]);
  if (name === 'InputAdapter' && children.length === 1) return flatten(children[0], null, [...path, 0]);
  // AQE's query stages and adaptive root only say how the plan is executed; the operator below keeps
  // a note that its output was materialised (the server's PlanDiff splices them out the same way).
  if (WRAPPERS.has(name) && children.length === 1) {
    const inner = flatten(children[0], codegen, [...path, 0]);
    if (inner && name.endsWith('QueryStage')) inner.queryStage = tree.simpleString || name;
    if (inner && name === 'AdaptiveSparkPlan') inner.adaptive = tree.simpleString || name;
    return inner;
  }
  return {
    path: path.join('.'),
    name,
    text: tree.simpleString || name,
    metrics: (tree.metrics || []).filter((m) => m.value !== null && m.value !== undefined),
    codegen,
    children: children.map((c, i) => flatten(c, codegen, [...path, i])).filter(Boolean),
  };
}

function walk(node, fn) {
  if (!node) return;
  fn(node);
  for (const c of node.children) walk(c, fn);
}

const STATE = {ADDED: 'added', REMOVED: 'removed', CHANGED: 'changed'};

/**
 * The server's PlanDiff as the colour of each node: {before: Map(path -> 'removed'|'changed'),
 * after: Map(path -> 'added'|'changed')}; nodes it does not name are the same in both plans.
 */
export function diffStates(planDiff) {
  const before = new Map();
  const after = new Map();
  for (const c of planDiff?.changes || []) {
    if (c.beforeNode) before.set(c.beforeNode.join('.'), STATE[c.kind]);
    if (c.afterNode) after.set(c.afterNode.join('.'), STATE[c.kind]);
  }
  return {before, after};
}

const KIND_CLASS = {ADDED: 'op-added', REMOVED: 'op-removed', CHANGED: 'op-changed'};

/** The server's wording of each change, coloured by kind; a note when nothing changed. */
export function changeSummary(planDiff, same = 'same operators (only metrics differ)') {
  const changes = planDiff?.changes || [];
  if (!changes.length) return el('span', {class: 'muted'}, same);
  return changes.map((c, i) => [i ? '; ' : '', el('span', {class: KIND_CLASS[c.kind], 'data-kind': c.kind, 'data-operator': c.operator}, c.summary)]);
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

// Spark's metric types; the server gives the numbers (amount, spread), the page formats them.
const FORMAT = {size: bytes, timing: ms, nsTiming: ms, sum: count, average: (v) => String(Math.round(v * 10) / 10)};

function figure(m, v) {
  return (FORMAT[m.type] || count)(v);
}

/** The metric's figure: its total, or for an average (no total) its median task. */
function total(m) {
  if (m.amount !== null && m.amount !== undefined) return figure(m, m.amount);
  if (m.spread) return `${figure(m, m.spread.med)} median`;
  return m.value;
}

function spreadText(m) {
  const s = m.spread;
  if (!s) return '';
  return `min ${figure(m, s.min)} · med ${figure(m, s.med)} · max ${figure(m, s.max)}` + (s.stage ? ` (stage ${s.stage}, task ${s.task})` : ' (driver)');
}

function isZero(m) {
  return m.amount === 0 || ((m.amount === null || m.amount === undefined) && !m.spread);
}

export function keyMetrics(node, limit = 3) {
  const shown = [];
  for (const name of KEY_METRICS) {
    const m = node.metrics.find((x) => x.name === name);
    if (m && !isZero(m)) shown.push(m);
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
 * Draws a flattened plan. states: Map(path -> 'added'|'removed'|'changed') from diffStates(), or
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
    const state = states?.get(n.path) || 'same';
    const g = svg('g', {
      class: `op op-${state}` + (n.name.includes('Exchange') ? ' op-boundary' : '') + (n.queryStage ? ' op-materialized' : ''),
      transform: `translate(${n.cx - NODE_W / 2},${n.y})`,
      tabindex: 0,
      role: 'button',
      'data-node': n.name,
      'data-path': n.path,
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
    g.append(svg('title', {}, n.text + (n.metrics.length ? '\n' + n.metrics.map((m) => `${m.name}: ${total(m)}`).join('\n') : '')));
    g.append(svg('rect', {width: NODE_W, height: n.h, rx: 6, class: 'op-box'}));
    const badges = [n.queryStage ? n.queryStage.replace('QueryStage', ' stage') : null, n.codegen !== null ? `*(${n.codegen})` : null].filter(Boolean).join('  ');
    if (badges) g.append(svg('text', {x: NODE_W - 6, y: 14, class: 'op-codegen', 'text-anchor': 'end'}, badges));
    g.append(svg('text', {x: 8, y: 15, class: 'op-name'}, n.name + (state !== 'same' ? `  · ${state}` : '')));
    g.append(svg('text', {x: 8, y: 29, class: 'op-text'}, shortLabel(n)));
    keyMetrics(n).forEach((m, i) => {
      const value = m.spread && m.amount != null ? `${total(m)} (med ${figure(m, m.spread.med)}, max ${figure(m, m.spread.max)})` : total(m);
      let line = `${m.name}: ${value}`;
      if (line.length > 50) line = line.slice(0, 49) + '…';
      g.append(svg('text', {x: 8, y: 44 + i * 14, class: 'op-metric' + (m.spread?.skewed ? ' hot' : '')}, line));
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
      ? el('table', {class: 'metrics'}, el('tbody', {}, node.metrics.map((m) =>
        el('tr', {class: m.spread?.skewed ? 'hot' : ''}, el('th', {}, m.name), el('td', {}, total(m)), el('td', {class: 'muted'}, spreadText(m))))))
      : el('p', {class: 'muted'}, 'Spark reports no metrics for this operator.'));
}
