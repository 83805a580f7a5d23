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
 * Task timeline: one lane per executor and slot (tasks packed greedily into rows so overlapping
 * tasks do not hide each other), one rect per task coloured by stage, failures outlined.
 */
export function timeline(spans, {width = 1100, stageColor = () => 'var(--c0)', highlightStage = null, now = Date.now(), phases = false} = {}) {
  const root = svg('svg', {class: 'chart timeline', role: 'img', 'aria-label': 'task timeline per executor'});
  if (!spans || !spans.length) {
    root.setAttribute('viewBox', `0 0 ${width} 40`);
    root.append(svg('text', {x: width / 2, y: 24, class: 'chart-empty', 'text-anchor': 'middle'}, 'no tasks yet'));
    return root;
  }
  const t0 = Math.min(...spans.map((s) => s.launchTime));
  const t1 = Math.max(...spans.map((s) => (s.finishTime > 0 ? s.finishTime : now)));
  const byExec = new Map();
  // A slot's next task is often stamped as launched a moment before the previous one is stamped
  // finished; without some slack every such pair would open a new lane.
  const slack = Math.max(3, (t1 - t0) * 0.002);
  for (const s of [...spans].sort((a, b) => a.launchTime - b.launchTime)) {
    if (!byExec.has(s.executorId)) byExec.set(s.executorId, []);
    const rows = byExec.get(s.executorId);
    const end = s.finishTime > 0 ? s.finishTime : now;
    let row = rows.findIndex((r) => r.end <= s.launchTime + slack);
    if (row < 0) {
      rows.push({end, spans: []});
      row = rows.length - 1;
    }
    rows[row].end = end;
    rows[row].spans.push(s);
  }
  const pad = {l: 100, r: 10, t: 8, b: 22};
  const laneH = 12;
  let lanes = 0;
  for (const rows of byExec.values()) lanes += rows.length;
  const gap = 8;
  const height = pad.t + pad.b + lanes * laneH + byExec.size * gap;
  root.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const plotW = width - pad.l - pad.r;
  const x = (t) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * plotW;
  let yy = pad.t;
  for (const [exec, rows] of byExec) {
    root.append(svg('text', {x: pad.l - 6, y: yy + 10, class: 'tick', 'text-anchor': 'end'}, exec === 'driver' ? 'driver (local)' : 'executor ' + exec));
    root.append(svg('text', {x: pad.l - 6, y: yy + 21, class: 'tick muted', 'text-anchor': 'end'}, rows.length + (rows.length === 1 ? ' lane' : ' lanes')));
    rows.forEach((row, i) => {
      const y = yy + i * laneH;
      for (const s of row.spans) {
        const end = s.finishTime > 0 ? s.finishTime : now;
        const failed = s.status && s.status !== 'SUCCESS' && s.status !== 'RUNNING';
        const dim = highlightStage !== null && s.stageId !== highlightStage;
        const title = `stage ${s.stageId}.${s.attemptId} partition ${s.partition}: ${ms(end - s.launchTime)} ${s.status || ''}`;
        if (phases && s.phases && phaseTotal(s.phases) > 0) {
          // As the Spark UI's event timeline: the task's bar split into its phases, in proportion.
          const g = svg('g', {class: 'span' + (failed ? ' failed' : '') + (dim ? ' dim' : ''), 'data-stage': s.stageId});
          const total = phaseTotal(s.phases);
          const x0 = x(s.launchTime);
          const w = Math.max(1, x(end) - x0);
          let at = x0;
          for (const [key, label, cls] of TASK_PHASES) {
            const pw = ((s.phases[key] || 0) / total) * w;
            if (pw <= 0) continue;
            g.append(svg('rect', {x: at, y: y + 1, width: pw, height: laneH - 2, class: 'phase ' + cls},
              svg('title', {}, `${title}\n${label}: ${ms(s.phases[key])}`)));
            at += pw;
          }
          root.append(g);
          continue;
        }
        root.append(svg('rect', {
          x: x(s.launchTime), y: y + 1, width: Math.max(1, x(end) - x(s.launchTime)), height: laneH - 2,
          fill: stageColor(s.stageId), class: 'span' + (failed ? ' failed' : '') + (dim ? ' dim' : ''),
        }, svg('title', {}, title)));
      }
    });
    yy += rows.length * laneH + gap;
    root.append(svg('line', {x1: pad.l, x2: width - pad.r, y1: yy - gap / 2, y2: yy - gap / 2, class: 'grid'}));
  }
  root.append(svg('text', {x: pad.l, y: height - 6, class: 'tick'}, '0 s'));
  root.append(svg('text', {x: width - pad.r, y: height - 6, class: 'tick', 'text-anchor': 'end'}, ms(t1 - t0)));
  return root;
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
