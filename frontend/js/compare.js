// Compare view: two runs side by side. By default the latest successful broken run and the latest
// successful run of another variant of the same experiment. Everything compared comes from the lab's
// own comparison (GET /api/runs/{a}/compare/{b}): the plan diffs (final vs final per query, and what
// AQE changed in each run), the run totals, the stages paired in the order they ran and the key
// stage of each run. The page draws them; the two snapshots only supply the trees and histograms.
import {el, fill, fetchJson, bytes, ms, count, times, statusBadge} from './util.js';
import {distribution, pairBars} from './charts.js';
import {flatten, drawPlan, nodeDetails, diffStates, changeSummary} from './plan.js';

const main = document.querySelector('main');
const body = document.getElementById('compare-body');
let runs = [];
let pairIndex = null; // which query pair's plans are drawn; null: the first that differs

// The server's totals, in the order shown, with their labels and formats.
const TOTALS = [
  ['durationMs', 'Run duration', ms],
  ['jobs', 'Jobs', count],
  ['stagesRun', 'Stages run', count],
  ['stagesSkipped', 'Stages skipped', count],
  ['tasks', 'Tasks', count],
  ['inputBytes', 'Input', bytes],
  ['shuffleReadBytes', 'Shuffle read', bytes],
  ['shuffleWriteBytes', 'Shuffle write', bytes],
  ['memorySpilledBytes', 'Spill (memory)', bytes],
  ['diskSpilledBytes', 'Spill (disk)', bytes],
  ['gcTimeMs', 'GC time', ms],
  ['keyStageTasks', 'Key stage: tasks', count],
  ['keyStageMaxTaskMs', 'Key stage: slowest task', ms],
  ['keyStageMaxOverMedian', 'Key stage: max / median task', (v) => v.toFixed(1) + '×'],
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

/** The last plan version of one SQL execution of a run. */
function finalTree(run, executionId) {
  const plans = (run.sql || []).find((q) => q.executionId === executionId)?.plans || [];
  return plans.length ? plans[plans.length - 1].tree : null;
}

function planBlock(a, b, pair) {
  if (!pair?.finalVsFinal) return el('p', {class: 'muted'}, 'No SQL plan on one of the runs.');
  const d = pair.finalVsFinal;
  const states = diffStates(d);
  const detail = el('div', {class: 'plan-node'});
  const select = (n) => fill(detail, nodeDetails(n));
  return el('div', {class: 'plan-compare', 'data-diff': JSON.stringify(d.changes.map((c) => `${c.kind} ${c.operator}`))},
    el('h3', {}, `Final plan A (execution ${pair.aExecutionId}) → final plan B (execution ${pair.bExecutionId})`),
    el('div', {class: 'plan-panes'},
      el('div', {class: 'plan-pane before'}, el('h4', {}, `A: ${a.variant}`), el('div', {class: 'scroll'}, drawPlan(flatten(finalTree(a, pair.aExecutionId)), {states: states.before, onSelect: select}))),
      el('div', {class: 'plan-pane after'}, el('h4', {}, `B: ${b.variant}`), el('div', {class: 'scroll'}, drawPlan(flatten(finalTree(b, pair.bExecutionId)), {states: states.after, onSelect: select})))),
    detail);
}

function changeList(title, d, id) {
  if (!d) return null;
  return el('div', {class: 'change-list', 'data-changes': id},
    el('h3', {}, title),
    d.identical || !d.changes.length
      ? el('p', {class: 'muted'}, 'The plans have the same operators.')
      : el('ul', {}, d.changes.map((c) => el('li', {'data-kind': c.kind, 'data-operator': c.operator},
        changeSummary({changes: [c]}), c.path ? el('span', {class: 'muted small'}, ` (under ${c.path})`) : null))));
}

function aqeLine(name, d) {
  if (!d) return el('li', {}, `${name}: no plan`);
  return el('li', {}, `${name}, initial → final (what AQE changed while it ran): `, changeSummary(d, 'no operator changed while it ran'));
}

/** The query pairs (by order, as the server pairs them); the first that differs is drawn unless one is picked. */
function planSection(a, b, server) {
  const pairs = server.plans || [];
  if (pairIndex === null || !pairs[pairIndex]?.finalVsFinal) {
    const first = pairs.findIndex((p) => p.finalVsFinal && !p.finalVsFinal.identical);
    pairIndex = first >= 0 ? first : Math.max(0, pairs.findIndex((p) => p.finalVsFinal));
  }
  const section = el('section', {class: 'plan-diff'});
  const draw = () => {
    const pair = pairs[pairIndex];
    fill(section,
      el('h2', {}, 'Plan diff'),
      pairs.length > 1 ? el('label', {class: 'plan-pair'}, 'Query ', el('select', {onchange: (e) => {
        pairIndex = Number(e.target.value);
        draw();
      }}, pairs.map((p, i) => el('option', {value: i, selected: i === pairIndex, disabled: !p.finalVsFinal},
        `A execution ${p.aExecutionId ?? '–'} · B execution ${p.bExecutionId ?? '–'}` + (p.finalVsFinal ? (p.finalVsFinal.identical ? ' (same operators)' : ` (${p.finalVsFinal.changes.length} changes)`) : ''))))) : null,
      changeList('What the lab\'s plan diff says, final A → final B', pair?.finalVsFinal, 'final-vs-final'),
      el('ul', {class: 'aqe-lines'}, aqeLine('A', pair?.aInitialVsFinal), aqeLine('B', pair?.bInitialVsFinal)),
      planBlock(a, b, pair));
  };
  draw();
  return section;
}

/** The completed attempt of a stage id in a snapshot (for its histograms). */
function stageOf(run, stageId) {
  const attempts = (run.stages || []).filter((s) => s.stageId === stageId && s.status === 'COMPLETE');
  return attempts.length ? attempts[attempts.length - 1] : null;
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
  pairIndex = null;
  const [a, b, server] = await Promise.all([
    fetchJson('/api/runs/' + encodeURIComponent(aId)),
    fetchJson('/api/runs/' + encodeURIComponent(bId)),
    fetchJson(`/api/runs/${encodeURIComponent(aId)}/compare/${encodeURIComponent(bId)}`),
  ]);
  const ka = stageOf(a, server.keyStage?.a);
  const kb = stageOf(b, server.keyStage?.b);
  const head = (s, cls) => el('div', {class: 'run-card ' + cls},
    el('h2', {}, cls === 'a' ? 'A ' : 'B ', el('a', {href: '/runs/' + s.id}, `${s.experimentId} · ${s.variant}`)),
    el('p', {}, statusBadge(s.status), ' ', ms(s.durationMs), ' · run ', el('code', {}, s.id)),
    el('p', {class: 'muted small'}, Object.entries(s.conf || {}).filter(([k]) => k.includes('adaptive.enabled') || k.includes('shuffle.partitions')).map(([k, v]) => `${k}=${v}`).join(' · ')));
  fill(body,
    el('div', {class: 'run-cards'}, head(a, 'a'), head(b, 'b')),
    planSection(a, b, server),
    el('section', {}, el('h2', {}, 'Metric deltas'),
      el('div', {class: 'scroll-x'}, el('table', {class: 'deltas'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Metric'), el('th', {class: 'num'}, 'A'), el('th', {class: 'num'}, 'B'), el('th', {class: 'num'}, 'B vs A'), el('th', {}, 'A / B'))),
        el('tbody', {}, TOTALS.filter(([k]) => server.totals[k]).map(([k, name, f]) => {
          const d = server.totals[k];
          return el('tr', {'data-metric': k},
            el('th', {scope: 'row'}, name), el('td', {class: 'num'}, f(d.a)), el('td', {class: 'num'}, f(d.b)),
            el('td', {class: 'num'}, times(d)), el('td', {}, pairBars(name, d.a, d.b, f)));
        }))))),
    el('section', {}, el('h2', {}, 'Stages side by side'), stageTable(server.stages || [])),
    el('section', {}, el('h2', {}, 'Key stage distributions, overlaid'),
      el('p', {class: 'muted small'}, `The stage that read the most shuffle data (else the one with the most tasks): A stage ${server.keyStage?.a ?? '–'}, B stage ${server.keyStage?.b ?? '–'}.`),
      el('div', {class: 'dist-grid'},
        el('figure', {class: 'dist'}, distribution([
          {label: 'A', histogram: ka?.taskDurationHistogram, quantiles: ka?.taskDurationMs, cls: 'a'},
          {label: 'B', histogram: kb?.taskDurationHistogram, quantiles: kb?.taskDurationMs, cls: 'b'}], {format: ms, title: 'Task duration (share of each run\'s tasks)', height: 170})),
        el('figure', {class: 'dist'}, distribution([
          {label: 'A', histogram: ka?.taskShuffleReadHistogram, quantiles: ka?.taskShuffleReadBytes, cls: 'a'},
          {label: 'B', histogram: kb?.taskShuffleReadHistogram, quantiles: kb?.taskShuffleReadBytes, cls: 'b'}], {format: bytes, title: 'Shuffle read per task (share of tasks)', height: 170})))),
    el('section', {}, el('h2', {}, 'Evidence on each run'), evidenceTable(a, b)));
}

function stageTable(stages) {
  const rows = stages.map((p) => {
    const m = p.metrics;
    const cell = (id, side, f) => el('td', {class: 'num'}, id != null ? f(side) : '');
    const both = (key, f) => [cell(p.aStageId, m[key].a, f), cell(p.bStageId, m[key].b, f)];
    const skew = (v) => v.toFixed(1) + '×';
    return el('tr', {'data-position': p.position},
      el('th', {scope: 'row'}, `#${p.position + 1}`),
      el('td', {}, p.aStageId != null ? `stage ${p.aStageId}` : '—'), el('td', {}, p.bStageId != null ? `stage ${p.bStageId}` : '—'),
      both('numTasks', count),
      both('durationMs', ms),
      el('td', {class: 'num'}, p.aStageId != null && p.bStageId != null ? times(m.durationMs) : ''),
      both('shuffleReadBytes', bytes),
      both('taskDurationMaxOverMedian', skew));
  });
  return el('div', {class: 'scroll-x'}, el('table', {class: 'stage-compare'},
    el('thead', {},
      el('tr', {}, el('th', {}, ''), el('th', {}, 'A'), el('th', {}, 'B'), el('th', {colspan: 2}, 'Tasks A / B'), el('th', {colspan: 3}, 'Duration A / B / change'), el('th', {colspan: 2}, 'Shuffle read A / B'), el('th', {colspan: 2}, 'Max/median A / B'))),
    el('tbody', {}, rows)),
  el('p', {class: 'muted small'}, 'Stages are paired in the order they ran (the last attempt of each stage that ran; skipped stages left out); AQE can add or remove stages, so the pairing is by position.'));
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
