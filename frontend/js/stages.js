// The stage graph: Spark's stages of this run laid out as a DAG, left (sources) to right (result),
// each with a live progress bar. The edges are Spark's own: each stage snapshot carries
// StageInfo.parentIds, the stages whose shuffle output it reads. Skipped stages (a later job re-listed
// a shuffle whose output already existed) are drawn faded in their place.
import {svg, el, ms, count} from './util.js';
import {stageColor} from './charts.js';

/** The latest attempt of every stage id, in id order. */
export function latestAttempts(stages) {
  const byId = new Map();
  for (const s of stages || []) {
    const prev = byId.get(s.stageId);
    if (!prev || s.attemptId > prev.attemptId) byId.set(s.stageId, {...s, attempts: (prev?.attempts || 0) + 1});
    else prev.attempts = (prev.attempts || 1) + 1;
  }
  return [...byId.values()].sort((a, b) => a.stageId - b.stageId);
}

const W = 164;
const H = 70;

export function stageGraph(snapshot, {selected = null, onSelect = () => {}} = {}) {
  const stages = latestAttempts(snapshot.stages);
  if (!stages.length) {
    return el('p', {class: 'muted'}, snapshot.status === 'QUEUED' ? 'Waiting in the queue…' : 'No stages yet: Spark has not started a job for this run.');
  }
  const jobOf = new Map();
  for (const j of snapshot.jobs || []) for (const id of j.stageIds) if (!jobOf.has(id)) jobOf.set(id, j.jobId);
  // Column: one after the deepest parent (Spark creates a stage's parents first: their ids are lower).
  const level = new Map();
  for (const s of stages) {
    const ps = (s.parentIds || []).filter((p) => level.has(p));
    level.set(s.stageId, ps.length ? 1 + Math.max(...ps.map((p) => level.get(p))) : 0);
  }
  const columns = [];
  for (const s of stages) (columns[level.get(s.stageId)] ||= []).push(s);
  const colW = W + 44;
  const rowH = H + 18;
  const rows = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  const width = Math.max(1, columns.length) * colW;
  const height = rows * rowH + 10;
  const root = svg('svg', {class: 'stage-graph', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': 'stages of this run'});
  const pos = new Map();
  columns.forEach((col, l) => {
    (col || []).forEach((s, r) => {
      const offset = ((rows - col.length) * rowH) / 2;
      pos.set(s.stageId, {x: l * colW + 4, y: offset + r * rowH + 4});
    });
  });
  const edges = svg('g', {class: 'edges'});
  root.append(edges);
  for (const s of stages) {
    const to = pos.get(s.stageId);
    for (const p of s.parentIds || []) {
      const from = pos.get(p);
      if (!from || !to) continue;
      const x1 = from.x + W;
      const y1 = from.y + H / 2;
      const x2 = to.x;
      const y2 = to.y + H / 2;
      edges.append(svg('path', {d: `M${x1},${y1} C${x1 + 22},${y1} ${x2 - 22},${y2} ${x2},${y2}`, class: 'edge', 'data-from': p, 'data-to': s.stageId, 'marker-end': 'url(#stage-arrow)'}));
    }
  }
  root.prepend(svg('defs', {}, svg('marker', {id: 'stage-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto'}, svg('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead'}))));
  const draw = (s, p, faded) => {
    const done = s.completedTasks || 0;
    const total = Math.max(1, s.numTasks || 0);
    const frac = Math.min(1, done / total);
    const g = svg('g', {
      class: `stage stage-${String(s.status).toLowerCase()}` + (selected === s.stageId ? ' selected' : '') + (faded ? ' faded' : ''),
      transform: `translate(${p.x},${p.y})`,
      tabindex: 0,
      role: 'button',
      'data-stage': s.stageId,
      'data-progress': frac.toFixed(4),
      'aria-label': `stage ${s.stageId}, ${s.status}, ${done} of ${s.numTasks} tasks`,
      onclick: () => onSelect(s.stageId),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(s.stageId);
        }
      },
    });
    g.append(svg('title', {}, `stage ${s.stageId} (attempt ${s.attemptId}) of job ${jobOf.get(s.stageId) ?? '?'}: ${s.status}\n${done}/${s.numTasks} tasks` + (s.durationMs != null ? `, ${ms(s.durationMs)}` : '') + (s.failureReason ? `\n${s.failureReason}` : '')));
    g.append(svg('rect', {width: W, height: H, rx: 7, class: 'stage-box'}));
    g.append(svg('rect', {x: 0, y: 0, width: 6, height: H, rx: 3, fill: stageColor(s.stageId)}));
    g.append(svg('text', {x: 12, y: 17, class: 'stage-name'}, `Stage ${s.stageId}` + (s.attempts > 1 ? ` (attempt ${s.attemptId})` : '')));
    g.append(svg('text', {x: W - 8, y: 17, class: 'stage-job', 'text-anchor': 'end'}, `job ${jobOf.get(s.stageId) ?? '?'}`));
    g.append(svg('text', {x: 12, y: 33, class: 'stage-tasks'}, faded ? 'skipped: output reused' : `${count(done)}/${count(s.numTasks)} tasks` + (s.failedTasks ? ` · ${s.failedTasks} failed` : '')));
    g.append(svg('rect', {x: 12, y: 40, width: W - 24, height: 9, rx: 4, class: 'progress-track'}));
    g.append(svg('rect', {x: 12, y: 40, width: (W - 24) * (faded ? 0 : frac), height: 9, rx: 4, class: 'progress-fill'}));
    const foot = [s.durationMs != null ? ms(s.durationMs) : null, s.activeTasks ? `${s.activeTasks} running` : null].filter(Boolean).join(' · ');
    if (foot && !faded) g.append(svg('text', {x: 12, y: 63, class: 'stage-dur'}, foot));
    root.append(g);
  };
  for (const s of stages) draw(s, pos.get(s.stageId), s.status === 'SKIPPED');
  return root;
}
