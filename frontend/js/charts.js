// SVG charts for numbers people compare: task distributions (histogram + five-number summary),
// the task timeline per executor, and paired bars for deltas. Pure functions of the data.
import {svg, el, ms, bytes} from './util.js';

/**
 * A histogram of per-task values with the quantiles drawn under it as a box plot, so the straggler
 * (a lone bar far right, a whisker far beyond the box) is visible at once.
 * series: [{label, histogram: {bins}, quantiles, cls}] — one, or two overlaid for compare.
 */
export function distribution(series, {format = ms, width = 360, height = 150, title = ''} = {}) {
  const pad = {l: 36, r: 10, t: 18, b: 56};
  const present = series.filter((s) => s.quantiles && s.quantiles.count > 0);
  const root = svg('svg', {class: 'chart dist', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title});
  root.append(svg('text', {x: pad.l, y: 12, class: 'chart-title'}, title));
  if (!present.length) {
    root.setAttribute('viewBox', `0 0 ${width} 40`);
    root.append(svg('text', {x: width / 2, y: 30, class: 'chart-empty', 'text-anchor': 'middle'}, 'no finished tasks yet'));
    return root;
  }
  const lo = Math.min(...present.map((s) => s.quantiles.min));
  const hi = Math.max(...present.map((s) => s.quantiles.max));
  const span = Math.max(1, hi - lo);
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const x = (v) => pad.l + ((v - lo) / span) * plotW;
  // Overlaid runs rarely have the same task count: compare shares of each run's tasks, not counts.
  const share = present.length > 1;
  const weight = (s, c) => (share ? c / Math.max(1, s.quantiles.count) : c);
  const maxCount = Math.max(share ? 0.01 : 1, ...present.flatMap((s) => (s.histogram?.bins || []).map((b) => weight(s, b.count))));
  const y = (c) => pad.t + plotH - (c / maxCount) * plotH;
  const yLabel = (v) => (share ? Math.round(v * 100) + '%' : String(v));
  // axes
  root.append(svg('line', {x1: pad.l, y1: pad.t + plotH, x2: width - pad.r, y2: pad.t + plotH, class: 'axis'}));
  root.append(svg('text', {x: pad.l - 4, y: pad.t + 8, class: 'tick', 'text-anchor': 'end'}, yLabel(maxCount)));
  root.append(svg('text', {x: pad.l - 4, y: pad.t + plotH, class: 'tick', 'text-anchor': 'end'}, '0'));
  root.append(svg('text', {x: pad.l, y: pad.t + plotH + 12, class: 'tick'}, format(lo)));
  root.append(svg('text', {x: width - pad.r, y: pad.t + plotH + 12, class: 'tick', 'text-anchor': 'end'}, format(hi)));
  present.forEach((s, i) => {
    for (const b of s.histogram?.bins || []) {
      if (!b.count) continue;
      const x0 = x(b.from);
      const x1 = Math.max(x0 + 2, x(b.to + (span > 200 ? 0 : 1)));
      const h = weight(s, b.count);
      root.append(
        svg('rect', {x: x0, y: y(h), width: Math.max(2, x1 - x0 - 1), height: Math.max(1, pad.t + plotH - y(h)), class: 'bar ' + (s.cls || 'a')},
          svg('title', {}, `${s.label ? s.label + ': ' : ''}${b.count} task${b.count === 1 ? '' : 's'} from ${format(b.from)} to ${format(b.to)}`)),
      );
    }
    // five-number summary as a box plot under the axis
    const q = s.quantiles;
    const by = pad.t + plotH + 20 + i * 16;
    const g = svg('g', {class: 'box ' + (s.cls || 'a')});
    g.append(svg('line', {x1: x(q.min), x2: x(q.max), y1: by, y2: by, class: 'whisker'}));
    g.append(svg('rect', {x: x(q.p25), y: by - 5, width: Math.max(1, x(q.p75) - x(q.p25)), height: 10, class: 'iqr'}));
    g.append(svg('line', {x1: x(q.p50), x2: x(q.p50), y1: by - 6, y2: by + 6, class: 'median'}));
    g.append(svg('circle', {cx: x(q.max), cy: by, r: 3, class: 'maxdot'}));
    const ratio = q.max / Math.max(1, q.p50);
    g.append(
      svg('title', {}, `${s.label ? s.label + ': ' : ''}min ${format(q.min)}, p25 ${format(q.p25)}, median ${format(q.p50)}, p75 ${format(q.p75)}, max ${format(q.max)} (max/median ${ratio.toFixed(1)}x, ${q.count} tasks)`),
    );
    root.append(g);
  });
  return root;
}

/** Five-number summary as a compact table row set, with the max/median ratio called out. */
export function quantileTable(q, format) {
  if (!q || !q.count) return el('p', {class: 'muted'}, 'no finished tasks yet');
  const ratio = q.max / Math.max(1, q.p50);
  return el('table', {class: 'quantiles'},
    el('thead', {}, el('tr', {}, ['min', 'p25', 'median', 'p75', 'max', 'max/median'].map((h) => el('th', {}, h)))),
    el('tbody', {}, el('tr', {},
      [q.min, q.p25, q.p50, q.p75, q.max].map((v) => el('td', {class: 'num'}, format(v))),
      el('td', {class: 'num' + (ratio >= 5 ? ' hot' : '')}, ratio.toFixed(1) + '×'))));
}

/**
 * Task timeline as the Spark UI's event timeline draws it: one lane group per executor (its id, host
 * and cores on the left; in embedded mode the one executor is the driver), the executor's tasks
 * packed greedily into lanes inside it, at most one lane per core (so the lanes show how many ran at
 * once and where cores sat idle), a marker where Spark added or removed an executor during the run
 * (the removal's reason in its title), failed attempts hatched by how they failed, retried stage
 * attempts dashed. Every text from Spark goes in as a text node (svg() never parses markup).
 *
 * executors: the run snapshot's executors (ExecutorSnapshot: host, cores, addedAt, removedAt,
 * removedReason); runStart/runEnd (ms) bound which added/removed markers belong to the run.
 */
export function timeline(spans, {width = 1100, stageColor = () => 'var(--c0)', highlightStage = null, now = Date.now(), phases = false,
  executors = [], runStart = null, runEnd = null} = {}) {
  const root = svg('svg', {class: 'chart timeline', role: 'img', 'aria-label': 'task timeline per executor'});
  spans = spans || [];
  const info = new Map((executors || []).map((e) => [e.executorId, e]));
  const ids = new Set([...info.keys(), ...spans.map((s) => s.executorId)]);
  if (!spans.length && !ids.size) {
    root.setAttribute('viewBox', `0 0 ${width} 40`);
    root.append(svg('text', {x: width / 2, y: 24, class: 'chart-empty', 'text-anchor': 'middle'}, 'no tasks yet'));
    return root;
  }
  const end = (s) => (s.finishTime > 0 ? s.finishTime : now);
  const lo = runStart ?? (spans.length ? Math.min(...spans.map((s) => s.launchTime)) : now);
  const hi = runEnd ?? now;
  const events = lifeEvents(executors, lo, hi);
  const times = [...spans.map((s) => s.launchTime), ...events.map((v) => v.at)];
  const t0 = times.length ? Math.min(...times) : lo;
  const t1 = Math.max(t0 + 1, ...spans.map(end), ...events.map((v) => v.at));
  const order = [...ids].sort((a, b) => (a === 'driver' ? -1 : b === 'driver' ? 1 : a.length - b.length || a.localeCompare(b)));
  const byExec = new Map(order.map((id) => [id, []]));
  // A slot's next task is often stamped as launched a moment before the previous one is stamped
  // finished; without some slack every such pair would open a new lane.
  const slack = Math.max(3, (t1 - t0) * 0.002);
  // An executor runs at most one task per core at a time; the driver stamps a task finished only once
  // it has handled the result, often after the freed core took the next task (on a busy machine by
  // much more than the slack). So an executor with known cores gets no more lanes than cores: a task
  // with no free lane goes to the one that frees first.
  for (const s of [...spans].sort((a, b) => a.launchTime - b.launchTime)) {
    const rows = byExec.get(s.executorId);
    const cores = info.get(s.executorId)?.cores || 0;
    let row = rows.findIndex((r) => r.end <= s.launchTime + slack);
    if (row < 0 && cores > 0 && rows.length >= cores) {
      row = rows.reduce((best, r, i) => (r.end < rows[best].end ? i : best), 0);
    } else if (row < 0) {
      rows.push({end: end(s), spans: []});
      row = rows.length - 1;
    }
    rows[row].end = Math.max(rows[row].end, end(s));
    rows[row].spans.push(s);
  }
  const pad = {l: 150, r: 14, t: 8, b: 22};
  const laneH = 12;
  const labelH = 36; // three lines of label: id, host, cores and lanes
  const gap = 8;
  const groupH = (rows) => Math.max(labelH, Math.max(1, rows.length) * laneH);
  let height = pad.t + pad.b;
  for (const rows of byExec.values()) height += groupH(rows) + gap;
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const plotW = width - pad.l - pad.r;
  const x = (t) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  const at = (t) => '+' + ms(Math.max(0, t - t0));
  root.append(hatches());
  let yy = pad.t;
  for (const [exec, rows] of byExec) {
    const e = info.get(exec) || {};
    const h = groupH(rows);
    const removed = !!e.removedAt && events.some((v) => v.kind === 'removed' && v.e === e);
    const group = svg('g', {class: 'exec-group' + (removed ? ' exec-removed' : ''), 'data-executor': exec, 'data-lanes': rows.length, 'data-cores': e.cores || null});
    group.append(svg('rect', {x: pad.l, y: yy, width: plotW, height: h, class: 'exec-band'}));
    const name = exec === 'driver' ? 'driver (local)' : 'executor ' + exec;
    const added = e.addedAt ? Date.parse(e.addedAt) : null;
    const life = [
      e.host ? `${name} on ${e.host}` : name,
      e.cores ? `${e.cores} core${e.cores === 1 ? '' : 's'}` : null,
      added !== null ? (added < t0 ? `added ${ms(t0 - added)} before the run's first task` : `added at ${at(added)}`) : null,
      e.removedAt ? `removed at ${at(Date.parse(e.removedAt))}${e.removedReason ? ': ' + e.removedReason : ''}` : null,
    ].filter(Boolean).join('\n');
    const label = svg('g', {class: 'exec-label'}, svg('title', {}, life));
    label.append(svg('text', {x: pad.l - 6, y: yy + 10, class: 'tick exec-name', 'text-anchor': 'end'}, name + (removed ? ' ✕' : '')));
    if (e.host) label.append(svg('text', {x: pad.l - 6, y: yy + 21, class: 'tick muted', 'text-anchor': 'end'}, shorten(e.host, 24)));
    const lanes = rows.length + (rows.length === 1 ? ' lane' : ' lanes');
    label.append(svg('text', {x: pad.l - 6, y: yy + (e.host ? 32 : 21), class: 'tick muted', 'text-anchor': 'end'},
      e.cores ? `${e.cores} core${e.cores === 1 ? '' : 's'} · ${lanes}` : lanes));
    group.append(label);
    rows.forEach((row, i) => {
      const y = yy + i * laneH;
      const lane = svg('g', {class: 'lane', 'data-lane': i});
      for (const s of row.spans) lane.append(taskBar(s, {x, y, laneH, end: end(s), stageColor, highlightStage, phases}));
      group.append(lane);
    });
    for (const v of events.filter((v) => v.e === e)) {
      const mx = x(v.at);
      const what = v.kind === 'added'
        ? `${name} added at ${at(v.at)}${e.host ? ' on ' + e.host : ''}${e.cores ? `, ${e.cores} core${e.cores === 1 ? '' : 's'}` : ''}`
        : `${name} removed at ${at(v.at)}: ${e.removedReason || 'no reason given'}`;
      group.append(svg('g', {class: 'exec-marker ' + v.kind, 'data-kind': v.kind},
        svg('title', {}, what),
        svg('line', {x1: mx, x2: mx, y1: yy - 2, y2: yy + h + 2}),
        v.kind === 'added'
          ? svg('path', {d: `M${mx - 5},${yy - 2} L${mx + 5},${yy - 2} L${mx},${yy + 5} Z`})
          : svg('path', {d: `M${mx - 4},${yy - 3} L${mx + 4},${yy + 5} M${mx + 4},${yy - 3} L${mx - 4},${yy + 5}`, class: 'cross'})));
    }
    root.append(group);
    yy += h + gap;
    root.append(svg('line', {x1: pad.l, x2: width - pad.r, y1: yy - gap / 2, y2: yy - gap / 2, class: 'grid'}));
  }
  root.append(svg('text', {x: pad.l, y: height - 6, class: 'tick'}, '0 s'));
  root.append(svg('text', {x: width - pad.r, y: height - 6, class: 'tick', 'text-anchor': 'end'}, ms(t1 - t0)));
  return root;
}

/** How a task attempt ended, as the timeline marks it (TaskOutcome). */
const OUTCOMES = {
  SUCCESS: null,
  KILLED: 'killed (speculation lost, or its stage/job was cancelled)',
  FAILED: 'failed (an exception in the task)',
  FETCH_FAILED: 'FetchFailed (a shuffle block could not be fetched: the map stage is resubmitted)',
  EXECUTOR_LOST: 'ExecutorLostFailure (its executor was lost: the task is retried elsewhere)',
  RESUBMITTED: 'resubmitted (its shuffle output was lost with its executor)',
};

function taskBar(s, {x, y, laneH, end, stageColor, highlightStage, phases}) {
  const outcome = s.status || 'SUCCESS';
  const failed = outcome !== 'SUCCESS';
  const retry = s.attemptId > 0;
  const dim = highlightStage !== null && s.stageId !== highlightStage;
  const cls = 'span' + (failed ? ' failed o-' + outcome.toLowerCase().replaceAll('_', '-') : '') + (retry ? ' retry' : '') + (dim ? ' dim' : '');
  const title = `stage ${s.stageId} attempt ${s.attemptId}${retry ? ' (a retry)' : ''}, partition ${s.partition}: ${ms(end - s.launchTime)}`
    + (failed ? `\n${OUTCOMES[outcome] || outcome}` : '');
  const x0 = x(s.launchTime);
  const w = Math.max(1, x(end) - x0);
  const data = {'data-stage': s.stageId, 'data-attempt': s.attemptId, 'data-outcome': outcome};
  if (phases && s.phases && phaseTotal(s.phases) > 0) {
    // As the Spark UI's event timeline: the task's bar split into its phases, in proportion.
    const g = svg('g', {class: cls, ...data});
    const total = phaseTotal(s.phases);
    let px = x0;
    for (const [key, label, pcls] of TASK_PHASES) {
      const pw = ((s.phases[key] || 0) / total) * w;
      if (pw <= 0) continue;
      g.append(svg('rect', {x: px, y: y + 1, width: pw, height: laneH - 2, class: 'phase ' + pcls},
        svg('title', {}, `${title}\n${label}: ${ms(s.phases[key])}`)));
      px += pw;
    }
    if (failed || retry) g.append(svg('rect', {x: x0, y: y + 1, width: w, height: laneH - 2, class: 'outline'}));
    return g;
  }
  return svg('rect', {x: x0, y: y + 1, width: w, height: laneH - 2, fill: stageColor(s.stageId), class: cls, ...data},
    svg('title', {}, title));
}

/** The hatch a failed attempt is filled with (one per timeline; the run view draws one timeline). */
function hatches() {
  return svg('defs', {},
    svg('pattern', {id: 'tl-hatch', width: 5, height: 5, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
      svg('rect', {width: 5, height: 5, class: 'hatch-bg'}),
      svg('line', {x1: 0, y1: 0, x2: 0, y2: 5, class: 'hatch-line'})));
}

function shorten(text, max) {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * An executor's life as markers: only what happened while the run ran (a cluster's executors were
 * mostly added long before; the label's title says so instead of a marker at the axis's far left).
 */
function lifeEvents(executors, lo, hi) {
  const events = [];
  for (const e of executors || []) {
    const added = e.addedAt ? Date.parse(e.addedAt) : null;
    const removed = e.removedAt ? Date.parse(e.removedAt) : null;
    if (added !== null && added >= lo && added <= hi) events.push({kind: 'added', at: added, e});
    if (removed !== null && removed >= lo && removed <= hi) events.push({kind: 'removed', at: removed, e});
  }
  return events;
}

/** The timeline's key: what the marks mean (HTML; every label a text node). */
export function timelineLegend(spans, executors, {runStart = null, runEnd = null, now = Date.now()} = {}) {
  const lo = runStart ?? Math.min(now, ...(spans || []).map((s) => s.launchTime));
  const events = lifeEvents(executors, lo, runEnd ?? now);
  const items = [el('li', {}, el('span', {class: 'swatch span-ok'}), ' a task, coloured by stage')];
  const outcomes = new Set((spans || []).map((s) => s.status).filter((o) => o && o !== 'SUCCESS'));
  for (const o of outcomes) items.push(el('li', {'data-outcome': o}, el('span', {class: 'swatch span-failed o-' + o.toLowerCase().replaceAll('_', '-')}), ' ' + (OUTCOMES[o] || o)));
  if ((spans || []).some((s) => s.attemptId > 0)) items.push(el('li', {}, el('span', {class: 'swatch span-retry'}), ' a retried stage attempt (attempt 1 or later)'));
  if (events.some((v) => v.kind === 'added')) items.push(el('li', {}, el('span', {class: 'marker-added'}, '▼'), ' executor added during the run'));
  if (events.some((v) => v.kind === 'removed')) items.push(el('li', {}, el('span', {class: 'marker-removed'}, '✕'), ' executor removed (hover for Spark\'s reason)'));
  return el('ul', {class: 'timeline-legend small'}, items);
}

/**
 * The phases of a task's time, in the order and with the names of the Spark UI's event timeline
 * (the server computes them as Spark's AppStatusUtils does; the browser only draws them).
 */
export const TASK_PHASES = [
  ['schedulerDelayMs', 'Scheduler delay', 'ph-scheduler'],
  ['deserializeMs', 'Task deserialization', 'ph-deserialize'],
  ['shuffleFetchWaitMs', 'Shuffle fetch wait', 'ph-fetch'],
  ['computeMs', 'Executor computing', 'ph-compute'],
  ['shuffleWriteMs', 'Shuffle write', 'ph-write'],
  ['resultSerializationMs', 'Result serialization', 'ph-serialize'],
  ['gettingResultMs', 'Getting result', 'ph-result'],
];

function phaseTotal(p) {
  return TASK_PHASES.reduce((sum, [key]) => sum + (p[key] || 0), 0);
}

/** One stacked bar: where a stage's task time went, phase by phase, with a legend of shares and times. */
export function phaseBar(phases, {width = 720} = {}) {
  const total = phases ? phaseTotal(phases) : 0;
  if (!total) return el('p', {class: 'muted'}, 'No finished task measured yet.');
  const h = 22;
  const bar = svg('svg', {class: 'chart phases', viewBox: `0 0 ${width} ${h}`, role: 'img', 'aria-label': 'task time by phase'});
  let x = 0;
  for (const [key, label, cls] of TASK_PHASES) {
    const w = ((phases[key] || 0) / total) * width;
    if (w <= 0) continue;
    bar.append(svg('rect', {x, y: 0, width: w, height: h, class: 'phase ' + cls, 'data-phase': key},
      svg('title', {}, `${label}: ${ms(phases[key])} (${Math.round((phases[key] / total) * 100)}%)`)));
    x += w;
  }
  const legend = el('ul', {class: 'phase-legend'}, TASK_PHASES.filter(([key]) => phases[key] > 0).map(([key, label, cls]) =>
    el('li', {'data-phase': key}, el('span', {class: 'swatch phase ' + cls}), ` ${label} `,
      el('strong', {}, Math.round((phases[key] / total) * 100) + '%'), el('span', {class: 'muted'}, ` ${ms(phases[key])}`))));
  const extra = el('p', {class: 'muted small'},
    `Task time ${ms(total)} in all; inside executor computing: CPU ${ms(phases.cpuMs || 0)}, GC ${ms(phases.gcMs || 0)}.`);
  return el('div', {class: 'phase-breakdown'}, bar, legend, extra);
}

/** Paired horizontal bars for one metric of two runs; the longer one is the reference. */
export function pairBars(label, a, b, format = bytes, {width = 300} = {}) {
  const max = Math.max(1, a || 0, b || 0);
  const h = 30;
  const labelW = 0;
  const w = width - labelW - 80;
  const root = svg('svg', {class: 'chart pair', viewBox: `0 0 ${width} ${h}`, role: 'img', 'aria-label': label});
  root.append(svg('rect', {x: labelW, y: 2, width: Math.max(1, ((a || 0) / max) * w), height: 11, class: 'bar a'}, svg('title', {}, 'A: ' + format(a))));
  root.append(svg('text', {x: labelW + Math.max(1, ((a || 0) / max) * w) + 4, y: 11, class: 'tick'}, format(a)));
  root.append(svg('rect', {x: labelW, y: 16, width: Math.max(1, ((b || 0) / max) * w), height: 11, class: 'bar b'}, svg('title', {}, 'B: ' + format(b))));
  root.append(svg('text', {x: labelW + Math.max(1, ((b || 0) / max) * w) + 4, y: 25, class: 'tick'}, format(b)));
  return root;
}

/** A stable colour per stage id for the timeline and graph. */
export function stageColor(stageId) {
  const hues = [210, 28, 140, 280, 350, 180, 50, 250, 100, 320];
  return `hsl(${hues[Math.abs(stageId) % hues.length]} 65% 52%)`;
}

/** One bar per micro-batch for a per-batch figure (rows, ms, state rows); an optional second series as a line. */
export function batchBars(batches, {title, value, format = (v) => String(v), line = null, lineLabel = '', width = 360, height = 150}) {
  const pad = {l: 44, r: 10, t: 18, b: 22};
  const root = svg('svg', {class: 'chart batches', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title});
  root.append(svg('text', {x: pad.l, y: 12, class: 'chart-title'}, title));
  const values = batches.map(value);
  const lines = line ? batches.map(line) : [];
  const max = Math.max(1e-9, ...values, ...lines);
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const bw = plotW / Math.max(1, batches.length);
  const y = (v) => pad.t + plotH - (v / max) * plotH;
  root.append(svg('line', {x1: pad.l, y1: pad.t + plotH, x2: width - pad.r, y2: pad.t + plotH, class: 'axis'}));
  root.append(svg('text', {x: pad.l - 4, y: pad.t + 8, class: 'tick', 'text-anchor': 'end'}, format(max)));
  batches.forEach((b, i) => {
    const v = values[i];
    root.append(svg('rect', {x: pad.l + i * bw + 1, y: y(v), width: Math.max(1, bw - 2), height: Math.max(0, pad.t + plotH - y(v)), class: 'bar a'},
      svg('title', {}, `batch ${b.batchId}: ${format(v)}` + (line ? ` · ${lineLabel} ${format(lines[i])}` : ''))));
  });
  if (line && batches.length) {
    const pts = lines.map((v, i) => `${pad.l + i * bw + bw / 2},${y(v)}`).join(' ');
    root.append(svg('polyline', {points: pts, class: 'series-line'}));
  }
  root.append(svg('text', {x: pad.l, y: height - 6, class: 'tick'}, `batch ${batches[0]?.batchId ?? ''}`));
  root.append(svg('text', {x: width - pad.r, y: height - 6, class: 'tick', 'text-anchor': 'end'}, `batch ${batches[batches.length - 1]?.batchId ?? ''}`));
  return root;
}
