// Live run view: everything is drawn from RunSnapshots (first from REST, then from the STOMP stream),
// at most once per animation frame. Panels whose data did not change are not redrawn.
import {el, fill, fetchJson, bytes, ms, count, frameScheduler, statusBadge, snippetButton, FINISHED} from './util.js';
import {RunFeed} from './live.js';
import {distribution, quantileTable, timeline, timelineLegend, stageColor, batchBars, phaseBar} from './charts.js';
import {stageGraph, latestAttempts} from './stages.js';
import {flatten, drawPlan, nodeDetails, diffStates, changeSummary} from './plan.js';
import {lessonLinks} from './lessons.js';
import {eventLogLinks} from './runlinks.js';

const main = document.querySelector('main');
const runId = main.dataset.run;
const $ = (id) => document.getElementById(id);

let snapshot = null;
let experiment = null;
let engine = null;
let lessons = null;
let selectedStage = null;
let stagePinned = false;
let planExec = 0;
let planVersion = null; // null: follow the latest version
let selectedNode = null;
let diffBase = 'initial'; // what a plan version is compared with: 'initial' or 'previous'
const planDiffs = new Map(); // the server's diffs of plan versions, by execution, base and version
const drawn = {}; // per-panel keys of what was drawn last

const schedule = frameScheduler(render);

function changed(panel, key) {
  if (drawn[panel] === key) return false;
  drawn[panel] = key;
  return true;
}

// --- header
function renderHead(s) {
  const status = $('run-status');
  status.className = 'status status-' + s.status.toLowerCase();
  status.textContent = s.status.replace('_', ' ');
  status.dataset.status = s.status;
  $('run-title').textContent = s.source === 'import' ? `Imported: ${s.description}` : `${experiment?.title || s.experimentId} — ${s.variant}`;
  document.title = `${s.status} · ${s.experimentId} ${s.variant} · Spark Break Lab`;
  const link = $('experiment-link');
  // A playground run goes back to the playground with its query and settings filled in.
  const playground = s.experimentId === 'playground' ? playgroundLink(s) : null;
  if (s.source === 'import') {
    // An imported run belongs to no experiment: its crumb is the import's runs (the history keeps them).
    link.href = `/runs?experiment=${encodeURIComponent(s.experimentId)}&variant=${encodeURIComponent(s.variant)}`;
    link.textContent = `import ${s.variant}`;
  } else {
    link.href = playground || '/experiments/' + s.experimentId;
    link.textContent = s.experimentId;
  }
  const running = !FINISHED.has(s.status);
  $('cancel').hidden = !running;
  const fix = $('run-fix');
  fix.hidden = running || s.source === 'import';
  const next = s.variant === 'broken' ? 'fixed' : 'broken';
  fix.href = playground || `/experiments/${s.experimentId}?variant=${next}`;
  fix.textContent = playground ? 'Edit the query' : `Run ${next}`;
  const ui = $('spark-ui');
  eventLogLinks(s, engine);
  if (engine?.sparkUiUrl && s.jobs?.length && s.source !== 'import') {
    ui.hidden = false;
    const ids = s.jobs.map((j) => j.jobId);
    ui.href = ids.length === 1 ? `${engine.sparkUiUrl}/jobs/job/?id=${ids[0]}` : `${engine.sparkUiUrl}/jobs/`;
    ui.textContent = ids.length === 1 ? `Spark UI: job ${ids[0]}` : `Spark UI: jobs ${ids[0]}–${ids[ids.length - 1]}`;
  }
  // The server's figure (RunQueries.driverOnlyMs): the finished run's time with no job running.
  const driver = $('driver-time');
  driver.hidden = !(FINISHED.has(s.status) && s.wallMs > 0);
  if (!driver.hidden) {
    fill(driver, 'Driver time outside jobs: ', el('strong', {}, ms(s.driverOnlyMs)), ` of the run's ${ms(s.wallMs)} `,
      el('span', {class: 'muted'}, `(${Math.round((s.driverOnlyMs / s.wallMs) * 100)}%): executors idle while the driver planned, compiled, collected or looped`));
  }
  const cmp = $('compare-link');
  cmp.hidden = running;
  cmp.href = `/compare?a=${encodeURIComponent(s.id)}&experiment=${encodeURIComponent(s.experimentId)}`;
  cmp.textContent = 'Compare with another run';
  tickElapsed();
}

function playgroundLink(s) {
  const q = new URLSearchParams();
  q.set('sql', s.knobs?.sql || '');
  for (const [k, v] of Object.entries(s.conf || {})) if (k !== 'spark.sql.runSQLOnFiles') q.set('conf.' + k, v);
  return '/playground?' + q;
}

function tickElapsed() {
  if (!snapshot) return;
  const s = snapshot;
  let elapsed;
  if (s.durationMs != null && FINISHED.has(s.status)) elapsed = s.durationMs;
  else if (s.startedAt) elapsed = Date.now() - Date.parse(s.startedAt);
  else elapsed = Date.now() - Date.parse(s.submittedAt);
  $('run-elapsed').textContent = (s.status === 'QUEUED' ? 'queued ' : '') + ms(Math.max(0, elapsed));
}
setInterval(() => {
  if (snapshot && !FINISHED.has(snapshot.status)) tickElapsed();
}, 250);

$('timeline-phases').addEventListener('change', () => snapshot && schedule(snapshot));

$('cancel').addEventListener('click', async () => {
  $('cancel').disabled = true;
  try {
    const s = await fetchJson('/api/runs/' + encodeURIComponent(runId), {method: 'DELETE'});
    onSnapshot(s);
  } catch (e) {
    $('conn').textContent = 'cancel refused: ' + e.message;
  } finally {
    $('cancel').disabled = false;
  }
});

// --- error, evidence, predictions, findings
/** Spark's error, drawn once per change: redrawing it on every frame would swap the nodes under a reader. */
function renderError(s) {
  if (!changed('error', JSON.stringify([s.error, s.status]))) return;
  const err = $('error');
  err.hidden = !s.error;
  if (!s.error) return;
  fill(err,
    el('h2', {}, s.status === 'TIMED_OUT' ? 'The run hit its time limit' : s.status === 'CANCELLED' ? 'The run was cancelled' : 'Spark failed this run'),
    el('p', {}, el('span', {class: 'label'}, 'Error class '), el('code', {class: 'error-class'}, s.error.errorClass || '(none)')),
    el('pre', {class: 'error-message'}, s.error.message || ''),
    el('p', {class: 'muted small'}, 'A failed run is a result: the lab keeps working and the next run starts clean.'));
}

function renderExplain(s) {
  if (!changed('explain', JSON.stringify([s.evidence, s.predictions, s.findings, s.status]))) return;
  const ev = $('evidence');
  if (s.evidence?.length) {
    fill(ev, ...s.evidence.map((e) => {
      const ok = e.holds === e.expected;
      return el('li', {class: 'ev ' + (e.holds ? 'holds' : 'not-holds') + (ok ? '' : ' surprise'), 'data-evidence': e.id},
        el('span', {class: 'ev-mark', 'aria-hidden': 'true'}, e.holds ? '✔' : '✘'),
        el('div', {},
          el('p', {class: 'ev-claim'}, e.claim),
          el('p', {class: 'ev-verdict'},
            el('strong', {}, e.holds ? 'Holds' : 'Does not hold'), ' on this run · ',
            e.expected ? 'expected to hold on this variant' : 'not expected on this variant',
            ok ? '' : el('span', {class: 'hot'}, ' — surprise!')),
          e.measured ? el('p', {class: 'ev-measured'}, 'Measured: ', el('code', {}, e.measured)) : null));
    }));
  } else if (s.source === 'import') {
    fill(ev, el('li', {class: 'muted'}, 'No evidence: an imported run belongs to no experiment. Its findings, below, link to the lessons that teach them.'));
  } else if (FINISHED.has(s.status)) {
    fill(ev, el('li', {class: 'muted'}, s.status === 'SUCCEEDED' ? 'Checking the evidence…' : 'No evidence: the run did not finish normally.'));
  } else if (experiment) {
    fill(ev, ...experiment.evidence.map((e) =>
      el('li', {class: 'ev pending'}, el('span', {class: 'ev-mark', 'aria-hidden': 'true'}, '…'), el('div', {}, el('p', {class: 'ev-claim'}, e.claim), el('p', {class: 'ev-verdict muted'}, 'checked when the run finishes')))));
  }
  const pr = $('predictions');
  const answered = (s.predictions || []).filter((p) => p.answer != null && p.answer !== '');
  if (s.predictions?.length) {
    const right = answered.filter((p) => p.correct).length;
    fill(pr,
      answered.length ? el('p', {class: 'score'}, `${right} of ${answered.length} predictions right`) : el('p', {class: 'muted'}, 'You made no predictions for this run; here is what happened.'),
      el('table', {class: 'reveal'},
        el('thead', {}, el('tr', {}, el('th', {}, 'Question'), el('th', {}, 'You said'), el('th', {}, 'Spark did'))),
        el('tbody', {}, s.predictions.map((p) => el('tr', {class: p.correct === true ? 'right' : p.correct === false ? 'wrong' : '', 'data-question': p.questionId},
          el('td', {}, p.question || p.questionId),
          el('td', {}, p.answer ?? el('span', {class: 'muted'}, '—')),
          el('td', {}, el('strong', {}, p.actual ?? '?'), p.correct === true ? ' ✔' : p.correct === false ? ' ✘' : ''))))));
  } else if (s.source === 'import') {
    fill(pr, el('p', {class: 'muted'}, 'No predictions: nobody predicted an imported run.'));
  } else if (FINISHED.has(s.status)) {
    fill(pr, el('p', {class: 'muted'}, s.status === 'SUCCEEDED' ? 'Checking your predictions…' : 'Predictions are only checked on a finished run.'));
  }
  const f = $('findings');
  fill(f, ...(s.findings?.length ? [el('h3', {}, 'Findings'), el('ul', {class: 'findings'}, s.findings.map((x) =>
    el('li', {class: 'finding sev-' + (x.severity || '').toLowerCase(), 'data-finding': x.kind},
      el('strong', {}, x.summary), x.stageId != null ? ` (stage ${x.stageId})` : '', x.operator ? el('code', {}, ` ${x.operator}`) : null,
      x.detail ? el('p', {}, x.detail) : null,
      x.fix ? el('p', {class: 'fix'}, 'Fix: ', x.fix, ' ', fixLink(s, x.action)) : null,
      lessons?.link(x.kind, s.experimentId) ? el('p', {class: 'lesson'}, lessons.link(x.kind, s.experimentId)) : null)))] : []));
}

/** A finding's fix as a link to the experiment page with the variant and knobs filled in. */
function fixLink(s, action) {
  if (s.source === 'import') return null; // no experiment page to try it on
  if (!action || (!action.variant && !Object.keys(action.knobs || {}).length)) return null;
  const q = new URLSearchParams();
  if (action.variant) q.set('variant', action.variant);
  for (const [k, v] of Object.entries(action.knobs || {})) q.set('knob.' + k, String(v));
  return el('a', {class: 'button', href: `/experiments/${encodeURIComponent(s.experimentId)}?${q}`}, 'Try this fix');
}

// --- streaming micro-batches
function renderBatches(s) {
  const batches = s.batches || [];
  $('batches-section').hidden = !batches.length;
  if (!batches.length || !changed('batches', JSON.stringify(batches.map((b) => [b.batchId, b.numInputRows, b.batchDurationMs, b.stateOperators])))) return;
  const n = (v) => (v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : String(Math.round(v * 10) / 10));
  const anyState = batches.some((b) => (b.stateOperators || []).length);
  const anyWatermark = batches.some((b) => watermarkSeconds(b) > 0);
  fill($('batches'),
    el('figure', {class: 'dist'}, batchBars(batches, {title: 'Rows in per second (bars) vs processed per second (line)', value: (b) => b.inputRowsPerSecond || 0, line: (b) => b.processedRowsPerSecond || 0, lineLabel: 'processed', format: n})),
    el('figure', {class: 'dist'}, batchBars(batches, {title: 'Batch duration', value: (b) => b.batchDurationMs || 0, format: ms})),
    anyState ? el('figure', {class: 'dist'}, batchBars(batches, {title: 'State rows total (bars) and removed (line)', value: (b) => sumState(b, 'numRowsTotal'), line: (b) => sumState(b, 'numRowsRemoved'), lineLabel: 'removed', format: n})) : null,
    anyState ? el('figure', {class: 'dist'}, batchBars(batches, {title: 'State memory', value: (b) => sumState(b, 'memoryUsedBytes'), format: bytes})) : null,
    anyState ? el('figure', {class: 'dist'}, batchBars(batches, {title: 'Rows dropped by the watermark', value: (b) => sumState(b, 'numRowsDroppedByWatermark'), format: n})) : null,
    anyWatermark ? el('figure', {class: 'dist'}, batchBars(batches, {title: 'Event-time watermark (seconds of event time)', value: (b) => watermarkSeconds(b), format: (v) => v.toFixed(0) + ' s'})) : null);
}

// Spark reports the watermark as an ISO instant; epoch 0 means "none yet".
function watermarkSeconds(b) {
  const ms = b.watermark ? Date.parse(b.watermark) : NaN;
  return Number.isFinite(ms) ? ms / 1000 : 0;
}

function sumState(b, field) {
  return (b.stateOperators || []).reduce((a, o) => a + (o[field] || 0), 0);
}

// --- jobs, stage graph, stage table
function selectStage(id, pin = true) {
  selectedStage = id;
  stagePinned = pin;
  drawn.graph = drawn.table = drawn.dist = drawn.timeline = null;
  schedule(snapshot);
}

function defaultStage(stages) {
  // The stage that tells the story: the heaviest shuffle reader, else the one with most tasks.
  const done = stages.filter((s) => s.status !== 'SKIPPED' && s.status !== 'PENDING');
  if (!done.length) return null;
  const byRead = [...done].sort((a, b) => b.shuffleReadBytes - a.shuffleReadBytes || b.numTasks - a.numTasks);
  const active = done.find((s) => s.status === 'ACTIVE');
  return (byRead[0].shuffleReadBytes > 0 ? byRead[0] : active || byRead[0]).stageId;
}

function renderStages(s) {
  const stages = latestAttempts(s.stages);
  if (!stagePinned) selectedStage = defaultStage(stages);
  const key = JSON.stringify([s.stages, s.jobs, selectedStage]);
  if (!changed('graph', key)) return;
  fill($('jobs'), ...(s.jobs || []).map((j) => el('span', {class: 'job job-' + String(j.status).toLowerCase()}, `job ${j.jobId}: ${String(j.status).toLowerCase()} · stages ${j.stageIds.join(', ')}`)));
  const sc = s.stagePrediction;
  fill($('stage-count'), sc ? [
    `The initial plan implies ${sc.predictedStages} stage${sc.predictedStages === 1 ? '' : 's'}; Spark ran ${sc.stagesRun}`,
    sc.stagesSkipped ? ` and skipped ${sc.stagesSkipped}` : '', ` in ${sc.jobs} job${sc.jobs === 1 ? '' : 's'}. `,
    (sc.differences || []).map((d) => el('span', {class: 'muted'}, d.explanation + ' ')),
  ] : null);
  fill($('stage-graph'), stageGraph(s, {selected: selectedStage, onSelect: (id) => selectStage(id)}));
  const jobOf = new Map();
  for (const j of s.jobs || []) for (const id of j.stageIds) if (!jobOf.has(id)) jobOf.set(id, j.jobId);
  const tbody = $('stage-table').querySelector('tbody');
  fill(tbody, ...[...(s.stages || [])].sort((a, b) => a.stageId - b.stageId || a.attemptId - b.attemptId).map((st) => {
    const q = st.taskDurationMs;
    const ratio = q && q.count ? q.max / Math.max(1, q.p50) : null;
    const frac = st.numTasks ? st.completedTasks / st.numTasks : 0;
    return el('tr', {
      class: (selectedStage === st.stageId ? 'selected ' : '') + 'st-' + st.status.toLowerCase(),
      tabindex: 0, 'data-stage': st.stageId,
      onclick: () => selectStage(st.stageId),
      onkeydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), selectStage(st.stageId)),
    },
    el('th', {scope: 'row'}, el('span', {class: 'swatch', style: `background:${stageColor(st.stageId)}`}), ` ${st.stageId}`, st.attemptId ? `.${st.attemptId}` : ''),
    el('td', {}, jobOf.get(st.stageId) ?? ''),
    el('td', {}, st.status.toLowerCase(), st.failureReason ? el('span', {class: 'hot', title: st.failureReason}, ' ⚠') : null),
    el('td', {class: 'tasks-cell'},
      el('progress', {max: Math.max(1, st.numTasks), value: st.completedTasks, 'aria-label': `stage ${st.stageId} tasks done`}),
      ` ${count(st.completedTasks)}/${count(st.numTasks)}`, st.failedTasks ? el('span', {class: 'hot'}, ` (${st.failedTasks} failed)`) : '',
      frac < 1 && st.activeTasks ? el('span', {class: 'muted'}, ` ${st.activeTasks} running`) : ''),
    el('td', {class: 'num'}, st.durationMs != null ? ms(st.durationMs) : ''),
    el('td', {class: 'num'}, st.inputBytes ? bytes(st.inputBytes) : ''),
    el('td', {class: 'num'}, st.shuffleReadBytes ? bytes(st.shuffleReadBytes) : ''),
    el('td', {class: 'num'}, st.shuffleWriteBytes ? bytes(st.shuffleWriteBytes) : ''),
    el('td', {class: 'num' + (st.diskSpilledBytes ? ' hot' : '')}, st.memorySpilledBytes || st.diskSpilledBytes ? `${bytes(st.memorySpilledBytes)} / ${bytes(st.diskSpilledBytes)}` : ''),
    el('td', {class: 'num'}, st.gcTimeMs ? ms(st.gcTimeMs) : ''),
    el('td', {class: 'num' + (ratio >= 5 ? ' hot' : '')}, ratio != null ? ratio.toFixed(1) + '×' : ''));
  }));
}

// --- executors: this run's tasks per executor, beside what the engine knows of each executor
// (host, cores, memory, removed and why). The engine's view is fetched again when the run ends.
let engineFetchedFor = null;

function renderExecutors(s) {
  if (FINISHED.has(s.status) && engineFetchedFor !== s.status) {
    engineFetchedFor = s.status;
    fetchJson('/api/engine').then((e) => { engine = e; drawn.executors = null; schedule(snapshot); }).catch(() => {});
  }
  // An imported application's executor "1" is not the lab engine's executor "1".
  const engineExecutors = s.source === 'import' ? [] : engine?.executors || [];
  const known = new Map(engineExecutors.map((e) => [e.executorId, e]));
  const ids = new Set((s.executors || []).map((e) => e.executorId));
  for (const e of engineExecutors) if (e.executorId !== 'driver') ids.add(e.executorId);
  const key = JSON.stringify([s.executors, engineExecutors]);
  if (!changed('executors', key)) return;
  const ofRun = new Map((s.executors || []).map((e) => [e.executorId, e]));
  fill($('executors-note'), s.source === 'import'
    ? 'The imported application\'s executors, as its event log recorded them.'
    : engine?.mode === 'embedded'
    ? 'Embedded engine: the tasks run in the driver (local[N]), one JVM.'
    : `${engine?.mode || 'engine'} · ${engine?.activeExecutors ?? '?'} executor(s) active now.`);
  const order = [...ids].sort((a, b) => (a === 'driver' ? -1 : b === 'driver' ? 1 : a.length - b.length || a.localeCompare(b)));
  fill($('executor-table').querySelector('tbody'), ...order.map((id) => {
    const e = known.get(id) || {};
    const r = ofRun.get(id) || {};
    // The run's own record of the executor (an imported run's executors are not the engine's).
    const state = r.removedAt ? 'removed' : e.executorId == null ? '' : e.active ? 'active' : 'removed';
    const reason = r.removedReason || e.removedReason;
    return el('tr', {class: state === 'removed' ? 'st-failed' : ''},
      el('th', {scope: 'row'}, id),
      el('td', {}, r.host || e.host || ''),
      el('td', {}, state, reason ? el('span', {class: 'hot', title: reason}, ` ⚠ ${reason}`) : ''),
      el('td', {class: 'num'}, r.cores || e.cores || ''),
      el('td', {class: 'num'}, e.storageMemoryTotalBytes ? `${bytes(e.storageMemoryUsedBytes)} / ${bytes(e.storageMemoryTotalBytes)}` : ''),
      el('td', {class: 'num'}, r.tasks != null ? count(r.tasks) : ''),
      el('td', {class: 'num' + (r.failedTasks ? ' hot' : '')}, r.failedTasks ? count(r.failedTasks) : ''),
      el('td', {class: 'num'}, r.taskTimeMs != null ? ms(r.taskTimeMs) : ''),
      el('td', {class: 'num'}, r.gcTimeMs ? ms(r.gcTimeMs) : ''),
      el('td', {class: 'num'}, r.shuffleReadBytes ? bytes(r.shuffleReadBytes) : ''),
      el('td', {class: 'num'}, r.shuffleWriteBytes ? bytes(r.shuffleWriteBytes) : ''));
  }));
}

function renderDistributions(s) {
  const attempts = (s.stages || []).filter((x) => x.stageId === selectedStage);
  const st = attempts.sort((a, b) => b.attemptId - a.attemptId)[0];
  if (!changed('dist', JSON.stringify([selectedStage, st?.taskDurationMs, st?.taskShuffleReadBytes, st?.slowestTasks, st?.taskPhases]))) return;
  $('stage-sel').textContent = selectedStage ?? '–';
  fill($('phases'), st ? phaseBar(st.taskPhases) : null);
  const box = $('distributions');
  if (!st) {
    fill(box, el('p', {class: 'muted'}, 'No stage yet.'));
    fill($('slowest'), );
    return;
  }
  fill(box,
    el('figure', {class: 'dist', 'data-chart': 'duration'},
      distribution([{histogram: st.taskDurationHistogram, quantiles: st.taskDurationMs, cls: 'a'}], {format: ms, title: 'Task duration'}),
      quantileTable(st.taskDurationMs, ms)),
    el('figure', {class: 'dist', 'data-chart': 'shuffle-read'},
      distribution([{histogram: st.taskShuffleReadHistogram, quantiles: st.taskShuffleReadBytes, cls: 'b'}], {format: bytes, title: 'Shuffle read per task'}),
      st.taskShuffleReadBytes?.max ? quantileTable(st.taskShuffleReadBytes, bytes) : el('p', {class: 'muted'}, 'This stage reads no shuffle data (it reads its input, or writes a shuffle).')));
  const slow = st.slowestTasks || [];
  fill($('slowest'), ...(slow.length ? [
    el('h3', {}, 'Slowest tasks'),
    el('table', {class: 'slowest'},
      el('thead', {}, el('tr', {}, ['task', 'partition', 'executor', 'duration', 'shuffle read', 'status'].map((h) => el('th', {}, h)))),
      el('tbody', {}, slow.slice(0, 5).map((t) => el('tr', {},
        el('td', {}, t.taskId), el('td', {}, t.partition), el('td', {}, t.executorId),
        el('td', {class: 'num'}, ms(t.durationMs)), el('td', {class: 'num'}, bytes(t.shuffleReadBytes)), el('td', {}, t.status))))),
  ] : []));
}

function renderTimeline(s) {
  const spans = s.timeline || [];
  const phases = $('timeline-phases').checked;
  const executors = s.executors || [];
  const key = `${spans.length}:${spans.length ? spans[spans.length - 1].finishTime : 0}:${selectedStage}:${s.status}:${phases}:${JSON.stringify(executors.map((e) => [e.executorId, e.tasks, e.addedAt, e.removedAt]))}`;
  if (!changed('timeline', key)) return;
  const box = $('timeline');
  // The run's own span bounds which executor added/removed markers are drawn: those during the run.
  const runStart = s.startedAt ? Date.parse(s.startedAt) : null;
  const runEnd = s.finishedAt ? Date.parse(s.finishedAt) : null;
  fill(box, timeline(spans, {width: Math.max(700, box.clientWidth || 1100), stageColor, highlightStage: stagePinned ? selectedStage : null, phases,
    executors, runStart, runEnd}));
  fill($('timeline-legend'), timelineLegend(spans, executors, {runStart, runEnd}));
}

// --- plan with AQE versions
function renderPlan(s) {
  const sql = s.sql || [];
  const exec = sql[Math.min(planExec, Math.max(0, sql.length - 1))];
  const key = JSON.stringify([sql.length, planExec, planVersion, diffBase, exec?.plans?.length, exec?.plans?.[exec.plans.length - 1]?.cause, exec?.finishedAt, selectedNode?.name]);
  if (!changed('plan', key)) return;
  fill($('plan-exec'), ...(sql.length > 1 ? [el('label', {}, 'Query ', el('select', {onchange: (e) => {
    planExec = Number(e.target.value);
    planVersion = null;
    schedule(snapshot);
  }}, sql.map((q, i) => el('option', {value: i, selected: i === planExec}, `execution ${q.executionId}: ${q.description || ''}`))))] : []));
  if (!exec || !exec.plans?.length) {
    fill($('plan-versions'), );
    fill($('plan-panes'), el('p', {class: 'muted'}, 'No SQL plan yet (RDD-only jobs have none).'));
    $('plan-text').textContent = '';
    return;
  }
  const plans = exec.plans;
  const v = planVersion === null ? plans.length - 1 : Math.min(planVersion, plans.length - 1);
  const bar = $('plan-versions');
  const step = (to) => {
    planVersion = to >= plans.length - 1 ? null : Math.max(0, to);
    selectedNode = null;
    schedule(snapshot);
  };
  fill(bar,
    el('button', {type: 'button', 'aria-label': 'previous plan version', disabled: v === 0, onclick: () => step(v - 1)}, '◀'),
    ...plans.map((p, i) => el('button', {type: 'button', class: 'version' + (i === v ? ' current' : ''), 'aria-pressed': String(i === v), 'data-version': i, onclick: () => step(i)},
      `v${p.version} ${p.cause === 'AQE_UPDATE' ? 'AQE' : p.cause.toLowerCase()}`)),
    el('button', {type: 'button', 'aria-label': 'next plan version', disabled: v === plans.length - 1, onclick: () => step(v + 1)}, '▶'));
  const current = flatten(plans[v].tree);
  if (plans.length > 1) {
    bar.append(el('label', {class: 'diff-base'}, ' diff against ', el('select', {onchange: (e) => {
      diffBase = e.target.value;
      drawn.plan = null;
      schedule(snapshot);
    }}, el('option', {value: 'initial', selected: diffBase === 'initial'}, 'the initial plan'), el('option', {value: 'previous', selected: diffBase === 'previous'}, 'the previous version'))));
  }
  const summary = $('plan-diff-summary');
  const panes = $('plan-panes');
  const select = (n) => {
    selectedNode = n;
    fill($('plan-node'), nodeDetails(n));
  };
  const single = () => el('div', {class: 'plan-pane after single'}, el('h3', {}, `v${plans[v].version} (${plans[v].cause})`), el('div', {class: 'scroll'}, drawPlan(current, {onSelect: select})));
  // What changed is the server's PlanDiff: against the initial plan (all AQE changed), or against
  // the nearest earlier version that differs (what one re-plan changed).
  const d = v > 0 ? versionDiff(exec.executionId, v) : null;
  if (v === 0) {
    fill(summary, el('span', {class: 'muted'}, 'The plan Spark made before running anything.'));
    fill(panes, single());
  } else if (!d || d.error) {
    fill(summary, el('span', {class: 'muted'}, d?.error ? `No plan diff: ${d.error}` : 'Asking the lab what changed…'));
    fill(panes, single());
  } else {
    const states = diffStates(d.diff);
    fill(summary, el('span', {}, `v${plans[v].version} vs v${plans[d.from].version}: `), changeSummary(d.diff));
    fill(panes,
      el('div', {class: 'plan-pane before'}, el('h3', {}, `before: v${plans[d.from].version} (${plans[d.from].cause})`), el('div', {class: 'scroll'}, drawPlan(flatten(plans[d.from].tree), {states: states.before, onSelect: select, label: 'previous plan version'}))),
      el('div', {class: 'plan-pane after'}, el('h3', {}, `v${plans[v].version} (${plans[v].cause})`), el('div', {class: 'scroll'}, drawPlan(current, {states: states.after, onSelect: select, label: 'plan version ' + plans[v].version}))));
  }
  if (!selectedNode) fill($('plan-node'), nodeDetails(null));
  $('plan-text').textContent = plans[v].text || '';
}

/** "Copy as snippet": this run's settings and knob values, then the lesson, as SQL (if it has a SQL form) and Java. */
function renderSnippetButtons(s) {
  const sink = {status: $('snippet-status'), output: $('snippet-text')};
  const button = (lang, label) => {
    const b = snippetButton(`Copy this run as ${label}`, `/api/runs/${encodeURIComponent(s.id)}/snippet?lang=${lang}`, sink);
    b.dataset.lang = lang;
    return b;
  };
  const hasSql = experiment && (experiment.code.sqlByVariant?.[s.variant] ?? experiment.code.sql) != null;
  fill($('run-snippets'), hasSql ? button('sql', 'SQL') : null, experiment ? button('java', 'Java') : null);
}

/** The server's diff of version v (null while it is being fetched); redraws the plan once it is in. */
function versionDiff(executionId, v) {
  const key = `${executionId}:${diffBase}:${v}`;
  if (planDiffs.has(key)) return planDiffs.get(key);
  planDiffs.set(key, null);
  const q = new URLSearchParams({to: String(v)});
  if (diffBase === 'initial') q.set('from', '0');
  fetchJson(`/api/runs/${encodeURIComponent(runId)}/plans/${encodeURIComponent(executionId)}/diff?${q}`)
    .then((d) => planDiffs.set(key, d), (e) => planDiffs.set(key, {error: e.message}))
    .finally(() => {
      drawn.plan = null;
      schedule(snapshot);
    });
  return null;
}

function render(s) {
  if (!s) return;
  renderHead(s);
  renderError(s);
  renderExplain(s);
  renderStages(s);
  renderBatches(s);
  renderExecutors(s);
  renderDistributions(s);
  renderTimeline(s);
  renderPlan(s);
  main.dataset.status = s.status;
  main.dataset.updates = String(Number(main.dataset.updates || 0) + 1);
}

function onSnapshot(s) {
  snapshot = s;
  schedule(s);
}

function onState(state) {
  const c = $('conn');
  c.dataset.state = state;
  c.textContent = {live: '● live', reconnecting: 'reconnecting…', offline: 'offline: retrying', polling: '● polling (no WebSocket)', resync: 'resyncing…'}[state] || state;
  if (snapshot && FINISHED.has(snapshot.status) && state === 'live') c.textContent = '● final';
}

(async () => {
  try {
    snapshot = await fetchJson('/api/runs/' + encodeURIComponent(runId));
  } catch (e) {
    $('error').hidden = false;
    fill($('error'), el('h2', {}, 'Unknown run'), el('p', {}, `The lab does not know run ${runId}: ${e.message}. Finished runs are forgotten after a while.`));
    return;
  }
  [experiment, engine, lessons] = await Promise.all([
    // An imported or playground run is no catalog experiment: nothing to fetch.
    snapshot.source === 'import' || snapshot.experimentId === 'playground' ? null : fetchJson('/api/experiments/' + encodeURIComponent(snapshot.experimentId)).catch(() => null),
    fetchJson('/api/engine').catch(() => null),
    lessonLinks(),
  ]);
  renderSnippetButtons(snapshot);
  onSnapshot(snapshot);
  let feed = null;
  feed = new RunFeed(runId, {
    onSnapshot: (s, seq) => {
      main.dataset.seq = String(seq);
      main.dataset.resyncs = String(feed?.resyncs ?? 0);
      onSnapshot(s);
    },
    onState,
  });
})();
