// Per-batch charts of a streaming run, drawn from snapshot.batches into one <svg>.
//
//   import { drawStreamingCharts } from '/js/streaming-charts.js';
//   drawStreamingCharts(svgElement, snapshot.batches, { triggerMs: 500 });
//
// Five stacked panels, one point per micro-batch (x = position in the run, labelled with batchId):
//   1. input rate vs processing rate (rows/s)      inputRowsPerSecond, processedRowsPerSecond
//   2. batch duration (ms), with the trigger line  batchDurationMs, options.triggerMs
//   3. state rows: total (line), removed (bars)    stateOperators[].numRowsTotal / numRowsRemoved
//   4. state memory (bytes)                        stateOperators[].memoryUsedBytes
//   5. event-time watermark                        watermark (ISO-8601), panel left out when absent
// Redrawing replaces the svg's content, so call it with every new snapshot. No dependencies.

const NS = 'http://www.w3.org/2000/svg';
const PANEL_HEIGHT = 110;
const GAP = 28;
const LEFT = 64;
const RIGHT = 12;

const sum = (ops, field) => (ops || []).reduce((total, op) => total + (op[field] || 0), 0);

function el(name, attrs, parent, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return (value / 1e9).toFixed(1) + 'G';
  if (abs >= 1e6) return (value / 1e6).toFixed(1) + 'M';
  if (abs >= 1e3) return (value / 1e3).toFixed(1) + 'k';
  return String(Math.round(value * 10) / 10);
}

function watermarkLabel(ms) {
  return new Date(ms).toISOString().substring(11, 19);
}

/** One panel: series = [{ name, values, kind: 'line' | 'bar', cls }], y from 0 (or min for time). */
function panel(svg, top, width, title, xLabels, series, { format = compact, fromZero = true, marker } = {}) {
  const g = el('g', { class: 'sc-panel', transform: `translate(0, ${top})` }, svg);
  el('text', { x: LEFT, y: -8, class: 'sc-title' }, g, title);
  const plotWidth = Math.max(10, width - LEFT - RIGHT);
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  if (marker !== undefined) all.push(marker);
  let min = fromZero ? 0 : Math.min(...all);
  let max = all.length ? Math.max(...all) : 1;
  if (!all.length || max === min) max = min + 1;
  const n = xLabels.length;
  const x = (i) => LEFT + (n <= 1 ? plotWidth / 2 : (i * plotWidth) / (n - 1));
  const y = (v) => PANEL_HEIGHT - ((v - min) / (max - min)) * PANEL_HEIGHT;
  el('line', { x1: LEFT, y1: PANEL_HEIGHT, x2: LEFT + plotWidth, y2: PANEL_HEIGHT, class: 'sc-axis' }, g);
  el('line', { x1: LEFT, y1: 0, x2: LEFT, y2: PANEL_HEIGHT, class: 'sc-axis' }, g);
  el('text', { x: LEFT - 6, y: 4, 'text-anchor': 'end', class: 'sc-tick' }, g, format(max));
  el('text', { x: LEFT - 6, y: PANEL_HEIGHT, 'text-anchor': 'end', class: 'sc-tick' }, g, format(min));
  const step = Math.max(1, Math.ceil(n / 10));
  xLabels.forEach((label, i) => {
    if (i % step === 0 || i === n - 1) {
      el('text', { x: x(i), y: PANEL_HEIGHT + 12, 'text-anchor': 'middle', class: 'sc-tick' }, g, label);
    }
  });
  if (marker !== undefined) {
    el('line', { x1: LEFT, x2: LEFT + plotWidth, y1: y(marker), y2: y(marker), class: 'sc-marker' }, g);
  }
  const barWidth = Math.max(2, Math.min(16, plotWidth / Math.max(1, n) - 2));
  series.forEach((s, index) => {
    if (s.kind === 'bar') {
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) return;
        el('rect', { x: x(i) - barWidth / 2, y: y(v), width: barWidth, height: PANEL_HEIGHT - y(v), class: s.cls }, g);
      });
    } else {
      const points = s.values
        .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i)},${y(v)}`))
        .filter(Boolean)
        .join(' ');
      el('polyline', { points, fill: 'none', class: s.cls }, g);
      s.values.forEach((v, i) => {
        if (v !== null && Number.isFinite(v)) el('circle', { cx: x(i), cy: y(v), r: 2.5, class: s.cls }, g);
      });
    }
    el('text', { x: LEFT + plotWidth - 4, y: 12 + 13 * index, 'text-anchor': 'end', class: `sc-legend ${s.cls}` }, g, s.name);
  });
  return g;
}

/**
 * Draws the per-batch charts of `batches` (snapshot.batches) into `svg`.
 * @param {SVGSVGElement} svg target; its content is replaced
 * @param {Array<object>} batches the run snapshot's batches, oldest first
 * @param {{triggerMs?: number, width?: number}} options triggerMs draws the trigger interval line
 */
export function drawStreamingCharts(svg, batches, options = {}) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const list = batches || [];
  const width = options.width || svg.clientWidth || 640;
  if (!list.length) {
    svg.setAttribute('viewBox', `0 0 ${width} 40`);
    el('text', { x: 8, y: 24, class: 'sc-title' }, svg, 'No micro-batch has reported progress yet.');
    return;
  }
  const labels = list.map((b) => String(b.batchId));
  const watermarks = list.map((b) => (b.watermark ? Date.parse(b.watermark) : null));
  const panels = [
    ['Input vs processing rate (rows/s)', [
      { name: 'input', values: list.map((b) => b.inputRowsPerSecond), cls: 'sc-input' },
      { name: 'processed', values: list.map((b) => b.processedRowsPerSecond), cls: 'sc-processed' },
    ], {}],
    ['Batch duration (ms)', [
      { name: 'duration', values: list.map((b) => b.batchDurationMs), kind: 'bar', cls: 'sc-duration' },
    ], { marker: options.triggerMs }],
    ['State rows', [
      { name: 'removed', values: list.map((b) => sum(b.stateOperators, 'numRowsRemoved')), kind: 'bar', cls: 'sc-removed' },
      { name: 'total', values: list.map((b) => sum(b.stateOperators, 'numRowsTotal')), cls: 'sc-total' },
    ], {}],
    ['State memory (bytes)', [
      { name: 'memory', values: list.map((b) => sum(b.stateOperators, 'memoryUsedBytes')), cls: 'sc-memory' },
    ], {}],
  ];
  if (watermarks.some((w) => w !== null && w > 0)) {
    panels.push(['Watermark (event time, UTC)', [
      { name: 'watermark', values: watermarks, cls: 'sc-watermark' },
    ], { format: watermarkLabel, fromZero: false }]);
  }
  const height = panels.length * (PANEL_HEIGHT + GAP + 14) + 8;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Per-batch charts of ${list.length} micro-batches`);
  panels.forEach(([title, series, opts], i) => {
    panel(svg, GAP + i * (PANEL_HEIGHT + GAP + 14), width, title, labels, series, opts);
  });
}
