// The playground page: one query, the settings on the list, predictions; Run submits an ordinary run
// (POST /api/runs {playground}) and opens the run view. "Save as link" puts query and settings in the URL.
// The editor highlights in place (a transparent textarea over its highlighted copy); the join questions
// follow the query (POST /api/playground/questions: one per join of its plan); while the lab generates the
// TPC-H tables the page says how far it got and Run waits.
import {el, fetchJson} from './util.js';

const form = document.getElementById('playground-form');
const sql = document.getElementById('sql');
const highlighted = document.getElementById('sql-highlight');
const joinBox = document.getElementById('join-questions');
const tablesStatus = document.getElementById('tables-status');
const status = document.getElementById('form-status');
const confFields = [...form.querySelectorAll('[data-conf]')];
const runButton = document.getElementById('run-button');

function highlight() {
  // A trailing newline keeps the copy as tall as the textarea, whose last empty line has height.
  const text = sql.value + (sql.value.endsWith('\n') ? ' ' : '');
  if (window.hljs) {
    highlighted.innerHTML = window.hljs.highlight(text, {language: 'sql', ignoreIllegals: true}).value;
  } else {
    highlighted.textContent = text;
  }
  syncScroll();
}

function syncScroll() {
  highlighted.parentElement.scrollTop = sql.scrollTop;
  highlighted.parentElement.scrollLeft = sql.scrollLeft;
}

function conf() {
  const out = {};
  for (const f of confFields) if (f.value.trim() !== '') out[f.dataset.conf] = f.value.trim();
  return out;
}

function predictions() {
  const out = {};
  for (const f of form.querySelectorAll('[data-question]')) if (f.value.trim() !== '') out[f.dataset.question] = f.value.trim();
  return out;
}

// A shared link: ?sql=...&conf.<key>=<value>
function fromUrl() {
  const q = new URLSearchParams(location.search);
  if (q.has('sql')) sql.value = q.get('sql');
  for (const f of confFields) if (q.has('conf.' + f.dataset.conf)) f.value = q.get('conf.' + f.dataset.conf);
}

function link() {
  const q = new URLSearchParams();
  q.set('sql', sql.value);
  for (const [k, v] of Object.entries(conf())) q.set('conf.' + k, v);
  return location.origin + location.pathname + '?' + q;
}

function clearErrors() {
  for (const e of form.querySelectorAll('.field-error')) { e.hidden = true; e.textContent = ''; }
}

function showError(field, text) {
  const id = field === 'playground.sql' ? 'error-sql'
    : field?.startsWith('playground.conf') ? 'error-conf'
    : field?.startsWith('predictions') ? 'error-predictions' : null;
  const box = id && document.getElementById(id);
  if (!box) return false;
  box.textContent = text;
  box.hidden = false;
  return true;
}

// One select per join of the query's plan, asked of the lab (the same sandbox and planner as a run).
let asked = 0;
let askTimer = null;
function askSoon() {
  clearTimeout(askTimer);
  askTimer = setTimeout(askQuestions, 500);
}

async function askQuestions() {
  if (tablesStatus.dataset.state !== 'READY') return;
  const mine = ++asked;
  try {
    const questions = await fetchJson('/api/playground/questions', {
      method: 'POST',
      body: JSON.stringify({sql: sql.value, conf: conf()}),
    });
    if (mine !== asked) return;
    clearErrors();
    const joins = questions.filter(q => q.id.startsWith('join-'));
    // The same joins as before: keep the selects (and what was chosen in them) as they are.
    const signature = joins.map(q => q.id + ':' + q.text).join('|') || 'none';
    if (joinBox.dataset.signature === signature) return;
    joinBox.dataset.signature = signature;
    const kept = predictions();
    joinBox.replaceChildren(...(joins.length === 0
      ? [el('p', {class: 'muted small', id: 'join-questions-note'}, 'This query has no join.')]
      : joins.flatMap(q => {
        const id = 'predict-' + q.id;
        const select = el('select', {id, dataset: {question: q.id}},
          el('option', {value: ''}, '(no prediction)'), q.choices.map(c => el('option', {}, c)));
        if (kept[q.id] && q.choices.includes(kept[q.id])) select.value = kept[q.id];
        return [el('label', {for: id}, q.text), select];
      })));
  } catch (err) {
    if (mine !== asked) return;
    const p = err.problem;
    if (p && p.field) showError(p.field, problemText(p));
  }
}

function problemText(p) {
  return [p.construct ? `Refused: ${p.construct}.` : null, p.detail, p.allowed ? `Allowed: ${p.allowed}.` : null]
    .filter(Boolean).join(' ');
}

// Until the TPC-H tables exist (generated once, in the background), say how far it got; then fill in the
// row counts, ask about the joins and let Run go.
async function watchTables() {
  if (tablesStatus.dataset.state === 'READY') {
    askQuestions();
    return;
  }
  runButton.disabled = true;
  try {
    const s = await fetchJson('/api/playground/tables/status');
    tablesStatus.dataset.state = s.state;
    if (s.state === 'READY') {
      const tables = await fetchJson('/api/playground/tables');
      for (const t of tables) {
        const rows = document.querySelector(`.table-rows[data-table="${t.name}"]`);
        if (rows && t.rows !== null) rows.textContent = t.rows.toLocaleString('en-US') + ' rows';
      }
      tablesStatus.textContent = '';
      runButton.disabled = false;
      askQuestions();
      return;
    }
    if (s.state === 'FAILED') {
      tablesStatus.textContent = 'Generating the tables failed: ' + s.error + '. Reload the page to try again.';
      fetchJson('/api/playground/tables').catch(() => {});
      return;
    }
    tablesStatus.textContent = `Generating the tables with Spark: ${s.tablesDone} of ${s.tablesTotal} written…`;
  } catch (err) {
    tablesStatus.textContent = 'The lab did not answer: ' + err.message;
  }
  setTimeout(watchTables, 1000);
}

document.getElementById('link-button').addEventListener('click', async () => {
  const url = link();
  history.replaceState(null, '', url);
  const a = document.getElementById('saved-link');
  a.href = url;
  a.textContent = url.length > 120 ? url.slice(0, 117) + '…' : url;
  a.hidden = false;
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = 'Link copied.';
  } catch {
    status.textContent = 'Link in the address bar.';
  }
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  const button = runButton;
  button.disabled = true;
  status.textContent = 'Checking the query…';
  const sent = sql.value;
  try {
    const run = await fetchJson('/api/runs', {
      method: 'POST',
      body: JSON.stringify({playground: {sql: sent, conf: conf()}, predictions: predictions()}),
    });
    status.textContent = 'Started run ' + run.id;
    location.href = '/runs/' + encodeURIComponent(run.id);
  } catch (err) {
    button.disabled = tablesStatus.dataset.state !== 'READY';
    if (sql.value !== sent) {
      // The query was edited while the lab checked the old one: its refusal no longer applies.
      status.textContent = '';
      return;
    }
    const p = err.problem;
    const text = p ? problemText(p) : err.message;
    const placed = showError(p?.field, text);
    status.textContent = placed ? 'The lab refused this run: see the message above.' : 'The lab refused this run: ' + text;
  }
});

sql.addEventListener('input', () => { highlight(); askSoon(); });
sql.addEventListener('scroll', syncScroll);
for (const f of confFields) f.addEventListener('change', askSoon);
fromUrl();
highlight();
watchTables();
