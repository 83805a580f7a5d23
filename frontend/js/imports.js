// Import page: upload a Spark event log (XHR, for upload progress), then follow GET /api/imports/{id}
// until it succeeds or fails, and list the runs it became with their findings and lessons.
import {el, fill, fetchJson, ms, count, bytes, statusBadge} from './util.js';
import {lessonLinks} from './lessons.js';

const $ = (id) => document.getElementById(id);
const form = $('import-form');
let polling = null;

function upload(data, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/imports');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = {detail: xhr.responseText || xhr.statusText};
      }
      if (xhr.status === 202) resolve(body);
      else reject(Object.assign(new Error(body?.detail || xhr.statusText), {problem: body, status: xhr.status}));
    };
    xhr.onerror = () => reject(new Error('the upload failed (network)'));
    xhr.send(data);
  });
}

function showProgress(fraction, label) {
  const bar = $('import-progress');
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  bar.setAttribute('aria-valuenow', String(pct));
  bar.firstElementChild.style.width = pct + '%';
  $('import-figures').textContent = label;
}

function showProblem(problem) {
  const box = $('import-error');
  box.hidden = !problem;
  if (!problem) return;
  fill(box,
    el('h2', {}, problem.title || 'Import failed'),
    el('p', {}, problem.detail || ''),
    problem.file ? el('p', {class: 'small'}, 'File ', el('code', {}, problem.file), problem.line != null ? ` · line ${problem.line}` : '') : null,
    problem.type ? el('p', {class: 'muted small'}, el('code', {}, problem.type)) : null);
}

async function renderRuns(ids) {
  const table = $('import-runs');
  table.hidden = !ids.length;
  if (!ids.length) return;
  const lessons = await lessonLinks();
  const runs = await Promise.all(ids.map((id) => fetchJson('/api/runs/' + encodeURIComponent(id)).catch(() => null)));
  fill(table.querySelector('tbody'), ...runs.filter(Boolean).map((r) =>
    el('tr', {'data-run': r.id},
      el('td', {}, el('a', {href: '/runs/' + r.id}, r.id)),
      el('td', {}, r.description),
      el('td', {}, statusBadge(r.status)),
      el('td', {class: 'num'}, r.durationMs != null ? ms(r.durationMs) : ''),
      el('td', {}, ...(r.findings || []).map((f) => el('div', {class: 'finding-line'},
        el('strong', {}, f.summary), ' ', lessons.link(f.kind)))))));
}

function render(s) {
  $('import-status').hidden = false;
  $('import-id').textContent = s.id;
  const state = $('import-state');
  state.className = 'status status-' + s.status.toLowerCase();
  state.textContent = s.status;
  const events = s.progress ? count(s.progress.events) + ' events read' : '';
  showProgress(s.progress?.fraction ?? 0, `${s.fileName || ''} · ${bytes(s.sizeBytes || 0)} · ${events}`
    + (s.application ? ` · ${s.application.name || ''} (${s.application.id || '?'}, Spark ${s.application.sparkVersion || '?'})` : ''));
  fill($('import-warnings'), ...(s.warnings || []).map((w) => el('li', {class: 'warning'}, w)));
  showProblem(s.status === 'FAILED' ? s.error : null);
  if (s.status === 'SUCCEEDED') renderRuns(s.runs || []);
}

async function follow(id) {
  clearInterval(polling);
  const tick = async () => {
    try {
      const s = await fetchJson('/api/imports/' + encodeURIComponent(id));
      render(s);
      if (s.status !== 'RUNNING') {
        clearInterval(polling);
        loadHistory();
      }
    } catch (e) {
      clearInterval(polling);
      if (e.status === 404) {
        // Import statuses live in memory (lab.imports.retained); the runs an import made are in the history.
        $('import-status').hidden = false;
        $('import-id').textContent = id;
        $('import-state').textContent = 'FORGOTTEN';
        showProblem({title: 'Import no longer remembered',
          detail: `The lab no longer remembers the status of import ${id}; the runs it made are in the run list.`});
        fill($('import-warnings'), el('li', {}, el('a', {href: `/runs?experiment=import&variant=${encodeURIComponent(id)}`}, `Runs of import ${id}`)));
      } else {
        showProblem(e.problem || {title: 'Import lost', detail: e.message});
      }
    }
  };
  polling = setInterval(tick, 500);
  tick();
}

async function loadHistory() {
  const list = await fetchJson('/api/imports').catch(() => []);
  const ul = $('import-history');
  if (!list.length) return;
  fill(ul, ...list.map((s) => el('li', {},
    el('a', {href: '?id=' + encodeURIComponent(s.id)}, s.id), ' ', statusBadge(s.status), ' ',
    s.fileName || '', ' · ', `${(s.runs || []).length} runs`)));
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('import-file').files[0];
  if (!file) return;
  const max = Number(form.dataset.maxBytes || 0);
  if (max && file.size > max) {
    $('import-status').hidden = false;
    $('import-state').textContent = 'REFUSED';
    showProgress(0, file.name);
    showProblem({title: 'Upload too large', detail: `${file.name} has ${bytes(file.size)}; the limit is ${bytes(max)} (lab.imports.max-bytes)`});
    return;
  }
  const data = new FormData(form);
  $('import-submit').disabled = true;
  $('import-status').hidden = false;
  $('import-runs').hidden = true;
  showProblem(null);
  fill($('import-warnings'));
  $('import-id').textContent = '';
  $('import-state').textContent = 'UPLOADING';
  try {
    const s = await upload(data, (f) => showProgress(f, `uploading ${file.name}: ${Math.round(f * 100)}%`));
    history.replaceState(null, '', '?id=' + encodeURIComponent(s.id));
    render(s);
    follow(s.id);
  } catch (err) {
    $('import-state').textContent = 'REFUSED';
    showProgress(0, file.name);
    showProblem(err.problem || {title: 'Upload failed', detail: err.message});
  } finally {
    $('import-submit').disabled = false;
  }
});

const initial = new URLSearchParams(location.search).get('id');
if (initial) follow(initial);
loadHistory();
