// Compare view: two runs side by side. By default the latest successful broken run and the latest
// successful run of another variant of the same experiment. Plan diff (final vs final, and each
// run's initial vs final), run and stage metric deltas, and the key stage's distributions overlaid.
import {el, fill, fetchJson, bytes, ms, count, ratio, statusBadge} from './util.js';
import {distribution, pairBars} from './charts.js';
import {latestAttempts} from './stages.js';
import {flatten, diff, drawPlan, diffSummary, nodeDetails} from './plan.js';

const main = document.querySelector('main');
const body = document.getElementById('compare-body');
let runs = [];

function finalPlan(s) {
  const sql = (s.sql || []).filter((q) => q.plans?.length);
  if (!sql.length) return null;
  const main = sql.reduce((a, b) => (b.plans.length >= a.plans.length ? b : a));
  return {initial: main.plans[0], final: main.plans[main.plans.length - 1]};
}

function keyStage(s) {
  const st = latestAttempts(s.stages).filter((x) => x.status === 'COMPLETE');
  if (!st.length) return null;
  return st.reduce((a, b) => (b.shuffleReadBytes > a.shuffleReadBytes || (b.shuffleReadBytes === a.shuffleReadBytes && b.numTasks > a.numTasks) ? b : a));
}

function totals(s) {
  const st = latestAttempts(s.stages).filter((x) => x.status !== 'SKIPPED');
  const sum = (f) => (s.stages || []).reduce((acc, x) => acc + (x[f] || 0), 0);
  const key = keyStage(s);
  return {
    duration: s.durationMs || 0,
    jobs: (s.jobs || []).length,
    stages: st.length,
    skipped: latestAttempts(s.stages).filter((x) => x.status === 'SKIPPED').length,
    tasks: (s.stages || []).reduce((a, x) => a + (x.status === 'SKIPPED' ? 0 : x.numTasks || 0), 0),
    input: sum('inputBytes'),
    shuffleRead: sum('shuffleReadBytes'),
    shuffleWrite: sum('shuffleWriteBytes'),
    spill: sum('memorySpilledBytes') + sum('diskSpilledBytes'),
    gc: sum('gcTimeMs'),
    keyTasks: key?.numTasks || 0,
    keyMax: key?.taskDurationMs?.max || 0,
    keyRatio: key?.taskDurationMs?.count ? key.taskDurationMs.max / Math.max(1, key.taskDurationMs.p50) : 0,
  };
}

const METRICS = [
  ['duration', 'Run duration', ms],
  ['jobs', 'Jobs', count],
  ['stages', 'Stages run', count],
  ['skipped', 'Stages skipped', count],
  ['tasks', 'Tasks', count],
  ['input', 'Input', bytes],
  ['shuffleRead', 'Shuffle read', bytes],
  ['shuffleWrite', 'Shuffle write', bytes],
  ['spill', 'Spill (memory + disk)', bytes],
  ['gc', 'GC time', ms],
  ['keyTasks', 'Key stage: tasks', count],
  ['keyMax', 'Key stage: slowest task', ms],
  ['keyRatio', 'Key stage: max / median task', (v) => v.toFixed(1) + '×'],
];

function label(r) {
  return `${r.experimentId} · ${r.variant} · ${r.id} (${r.status.toLowerCase()})`;
}

function pickDefaults() {
  let a = main.dataset.a || null;
  let b = main.dataset.b || null;
  const ok = runs.filter((r) => r.status === 'SUCCEEDED');
  const experiment = main.dataset.experiment || runs.find((r) => r.id === a)?.experimentId || ok[0]?.experimentId;
  const mine = ok.filter((r) => r.experimentId === experiment);
  if (!a) a = (mine.find((r) => r.variant === 'broken') || mine[0])?.id;
  const ra = runs.find((r) => r.id === a);
  if (!b) b = (mine.find((r) => r.id !== a && r.variant !== ra?.variant) || mine.find((r) => r.id !== a))?.id;
  return [a, b];
}

function fillPickers(a, b) {
  for (const [id, value] of [['pick-a', a], ['pick-b', b]]) {
    const sel = document.getElementById(id);
    fill(sel, el('option', {value: ''}, '— pick a run —'), ...runs.map((r) => el('option', {value: r.id, selected: r.id === value}, label(r))));
  }
}

function planBlock(title, before, after, ids) {
  if (!before || !after) return el('p', {class: 'muted'}, 'No SQL plan on one of the runs.');
  const x = flatten(before.tree);
  const y = flatten(after.tree);
  const d = diff(x, y);
  const sum = diffSummary(d);
  const detail = el('div', {class: 'plan-node'});
  const select = (n) => fill(detail, nodeDetails(n));
  return el('div', {class: 'plan-compare', 'data-diff': JSON.stringify(sum)},
    el('h3', {}, title),
    el('p', {class: 'plan-diff-summary'},
      !sum.added.length && !sum.removed.length && !sum.changed.length ? el('span', {class: 'muted'}, 'Same operators in both.') : null,
      sum.added.length ? el('span', {class: 'op-added'}, '+ ' + sum.added.join(', ')) : null, ' ',
      sum.changed.length ? el('span', {class: 'op-changed'}, '~ ' + sum.changed.join(', ')) : null, ' ',
      sum.removed.length ? el('span', {class: 'op-removed'}, '− ' + sum.removed.join(', ')) : null),
    el('div', {class: 'plan-panes'},
      el('div', {class: 'plan-pane before'}, el('h4', {}, ids[0]), el('div', {class: 'scroll'}, drawPlan(x, {states: d.before, onSelect: select}))),
      el('div', {class: 'plan-pane after'}, el('h4', {}, ids[1]), el('div', {class: 'scroll'}, drawPlan(y, {states: d.after, onSelect: select})))),
    detail);
}

function aqeLine(name, p) {
  if (!p) return el('li', {}, `${name}: no plan`);
  if (p.initial === p.final) return el('li', {}, `${name}: one plan version, nothing re-planned`);
  const s = diffSummary(diff(flatten(p.initial.tree), flatten(p.final.tree)));
  const none = !s.added.length && !s.removed.length && !s.changed.length;
  return el('li', {}, `${name}, initial → final: `, none ? el('span', {class: 'muted'}, 'no operator changed (AQE off or nothing to adapt)') : [
    s.added.length ? el('span', {class: 'op-added'}, '+ ' + s.added.join(', ')) : null, ' ',
    s.changed.length ? el('span', {class: 'op-changed'}, '~ ' + s.changed.join(', ')) : null, ' ',
    s.removed.length ? el('span', {class: 'op-removed'}, '− ' + s.removed.join(', ')) : null]);
}

const KIND = {ADDED: 'op-added', REMOVED: 'op-removed', CHANGED: 'op-changed'};

function changeList(title, d, id) {
  if (!d) return null;
  return el('div', {class: 'change-list', 'data-changes': id},
    el('h3', {}, title),
    d.identical || !d.changes.length
      ? el('p', {class: 'muted'}, 'The plans have the same operators.')
      : el('ul', {}, d.changes.map((c) => el('li', {'data-kind': c.kind, 'data-operator': c.operator},
        el('span', {class: KIND[c.kind]}, c.kind.toLowerCase()), ' ', c.summary || c.operator,
        c.path ? el('span', {class: 'muted small'}, ` (under ${c.path})`) : null))));
}

function serverAqeLine(name, d) {
  if (d.identical || !d.changes.length) return el('li', {}, `${name}, initial → final: `, el('span', {class: 'muted'}, 'no operator changed while it ran'));
  return el('li', {}, `${name}, initial → final (what AQE changed while it ran): `,
    d.changes.map((c, i) => [i ? '; ' : '', el('span', {class: KIND[c.kind]}, c.summary || `${c.kind.toLowerCase()} ${c.operator}`)]));
}

async function show(aId, bId) {
  if (!aId || !bId) {
    fill(body, el('p', {class: 'muted'}, 'Pick two runs to compare. Run an experiment\'s broken variant and then its fix: they are compared here by default.'));
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set('a', aId);
  url.searchParams.set('b', bId);
  history.replaceState(null, '', url);
  fill(body, el('p', {class: 'muted'}, 'Loading…'));
  const [a, b, server] = await Promise.all([
    fetchJson('/api/runs/' + aId),
    fetchJson('/api/runs/' + bId),
    // The lab's own plan diff (GET /api/runs/{a}/compare/{b}) words the changes for people.
    fetchJson(`/api/runs/${encodeURIComponent(aId)}/compare/${encodeURIComponent(bId)}`).catch(() => null),
  ]);
  const planDiff = server?.plans?.find((p) => p.finalVsFinal) || server?.plans?.[0] || null;
  const ta = totals(a);
  const tb = totals(b);
  const pa = finalPlan(a);
  const pb = finalPlan(b);
  const ka = keyStage(a);
  const kb = keyStage(b);
  const head = (s, cls) => el('div', {class: 'run-card ' + cls},
    el('h2', {}, cls === 'a' ? 'A ' : 'B ', el('a', {href: '/runs/' + s.id}, `${s.experimentId} · ${s.variant}`)),
    el('p', {}, statusBadge(s.status), ' ', ms(s.durationMs), ' · run ', el('code', {}, s.id)),
    el('p', {class: 'muted small'}, Object.entries(s.conf || {}).filter(([k]) => k.includes('adaptive.enabled') || k.includes('shuffle.partitions')).map(([k, v]) => `${k}=${v}`).join(' · ')));
  fill(body,
    el('div', {class: 'run-cards'}, head(a, 'a'), head(b, 'b')),
    el('section', {}, el('h2', {}, 'Plan diff'),
      planDiff ? changeList('What the lab\'s plan diff says, final A → final B', planDiff.finalVsFinal, 'final-vs-final') : null,
      el('ul', {class: 'aqe-lines'},
        planDiff?.aInitialVsFinal ? serverAqeLine('A', planDiff.aInitialVsFinal) : aqeLine('A', pa),
        planDiff?.bInitialVsFinal ? serverAqeLine('B', planDiff.bInitialVsFinal) : aqeLine('B', pb)),
      planBlock(`Final plan A → final plan B`, pa?.final, pb?.final, [`A: ${a.variant}`, `B: ${b.variant}`])),
    el('section', {}, el('h2', {}, 'Metric deltas'),
      el('div', {class: 'scroll-x'}, el('table', {class: 'deltas'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Metric'), el('th', {class: 'num'}, 'A'), el('th', {class: 'num'}, 'B'), el('th', {class: 'num'}, 'B vs A'), el('th', {}, 'A / B'))),
        el('tbody', {}, METRICS.map(([k, name, f]) => el('tr', {'data-metric': k},
          el('th', {scope: 'row'}, name), el('td', {class: 'num'}, f(ta[k])), el('td', {class: 'num'}, f(tb[k])),
          el('td', {class: 'num'}, ratio(ta[k], tb[k])), el('td', {}, pairBars(name, ta[k], tb[k], f)))))))),
    el('section', {}, el('h2', {}, 'Stages side by side'), stageTable(a, b)),
    el('section', {}, el('h2', {}, 'Key stage distributions, overlaid'),
      el('p', {class: 'muted small'}, `The stage that read the most shuffle data: A stage ${ka?.stageId ?? '–'}, B stage ${kb?.stageId ?? '–'}.`),
      el('div', {class: 'dist-grid'},
        el('figure', {class: 'dist'}, distribution([
          {label: 'A', histogram: ka?.taskDurationHistogram, quantiles: ka?.taskDurationMs, cls: 'a'},
          {label: 'B', histogram: kb?.taskDurationHistogram, quantiles: kb?.taskDurationMs, cls: 'b'}], {format: ms, title: 'Task duration (share of each run\'s tasks)', height: 170})),
        el('figure', {class: 'dist'}, distribution([
          {label: 'A', histogram: ka?.taskShuffleReadHistogram, quantiles: ka?.taskShuffleReadBytes, cls: 'a'},
          {label: 'B', histogram: kb?.taskShuffleReadHistogram, quantiles: kb?.taskShuffleReadBytes, cls: 'b'}], {format: bytes, title: 'Shuffle read per task (share of tasks)', height: 170})))),
    el('section', {}, el('h2', {}, 'Evidence on each run'), evidenceTable(a, b)));
}

function stageTable(a, b) {
  const sa = latestAttempts(a.stages).filter((s) => s.status !== 'SKIPPED');
  const sb = latestAttempts(b.stages).filter((s) => s.status !== 'SKIPPED');
  const n = Math.max(sa.length, sb.length);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const x = sa[i];
    const y = sb[i];
    const cell = (s, f) => el('td', {class: 'num'}, s ? f(s) : '');
    rows.push(el('tr', {},
      el('th', {scope: 'row'}, `#${i + 1}`),
      el('td', {}, x ? `stage ${x.stageId}` : '—'), el('td', {}, y ? `stage ${y.stageId}` : '—'),
      cell(x, (s) => count(s.numTasks)), cell(y, (s) => count(s.numTasks)),
      cell(x, (s) => ms(s.durationMs)), cell(y, (s) => ms(s.durationMs)),
      el('td', {class: 'num'}, x && y ? ratio(x.durationMs, y.durationMs) : ''),
      cell(x, (s) => bytes(s.shuffleReadBytes)), cell(y, (s) => bytes(s.shuffleReadBytes)),
      cell(x, (s) => (s.taskDurationMs?.count ? (s.taskDurationMs.max / Math.max(1, s.taskDurationMs.p50)).toFixed(1) + '×' : '')),
      cell(y, (s) => (s.taskDurationMs?.count ? (s.taskDurationMs.max / Math.max(1, s.taskDurationMs.p50)).toFixed(1) + '×' : ''))));
  }
  return el('div', {class: 'scroll-x'}, el('table', {class: 'stage-compare'},
    el('thead', {},
      el('tr', {}, el('th', {}, ''), el('th', {}, 'A'), el('th', {}, 'B'), el('th', {colspan: 2}, 'Tasks A / B'), el('th', {colspan: 3}, 'Duration A / B / change'), el('th', {colspan: 2}, 'Shuffle read A / B'), el('th', {colspan: 2}, 'Max/median A / B'))),
    el('tbody', {}, rows)),
  el('p', {class: 'muted small'}, 'Stages are paired in the order they ran (skipped stages left out); AQE can add or remove stages, so the pairing is by position.'));
}

function evidenceTable(a, b) {
  const ids = [...new Set([...(a.evidence || []), ...(b.evidence || [])].map((e) => e.id))];
  const mark = (s, id) => {
    const e = (s.evidence || []).find((x) => x.id === id);
    return e ? el('td', {class: e.holds ? 'holds' : 'not-holds', title: e.measured || ''}, e.holds ? '✔ holds' : '✘ does not hold', el('br'), el('span', {class: 'muted small'}, e.measured || '')) : el('td', {}, '–');
  };
  return el('table', {class: 'evidence-compare'},
    el('thead', {}, el('tr', {}, el('th', {}, 'Claim'), el('th', {}, 'A'), el('th', {}, 'B'))),
    el('tbody', {}, ids.map((id) => el('tr', {}, el('td', {}, ([...(a.evidence || []), ...(b.evidence || [])].find((e) => e.id === id) || {}).claim), mark(a, id), mark(b, id)))));
}

(async () => {
  runs = await fetchJson('/api/runs');
  const [a, b] = pickDefaults();
  fillPickers(a, b);
  const go = () => show(document.getElementById('pick-a').value, document.getElementById('pick-b').value).catch((e) => fill(body, el('p', {class: 'error-box'}, 'Could not compare: ' + e.message)));
  document.getElementById('pick-a').addEventListener('change', go);
  document.getElementById('pick-b').addEventListener('change', go);
  document.getElementById('swap').addEventListener('click', () => {
    const pa = document.getElementById('pick-a');
    const pb = document.getElementById('pick-b');
    [pa.value, pb.value] = [pb.value, pa.value];
    go();
  });
  go();
})();
