// The playground page: one query, the settings on the list, predictions; Run submits an ordinary run
// (POST /api/runs {playground}) and opens the run view. "Save as link" puts query and settings in the URL.
import {fetchJson} from './util.js';

const form = document.getElementById('playground-form');
const sql = document.getElementById('sql');
const preview = document.getElementById('sql-preview');
const status = document.getElementById('form-status');
const confFields = [...form.querySelectorAll('[data-conf]')];
const questionFields = [...form.querySelectorAll('[data-question]')];

function highlight() {
  preview.textContent = sql.value;
  if (window.hljs) {
    delete preview.dataset.highlighted;
    window.hljs.highlightElement(preview);
  }
}

function conf() {
  const out = {};
  for (const f of confFields) if (f.value.trim() !== '') out[f.dataset.conf] = f.value.trim();
  return out;
}

function predictions() {
  const out = {};
  for (const f of questionFields) if (f.value.trim() !== '') out[f.dataset.question] = f.value.trim();
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
  const button = document.getElementById('run-button');
  button.disabled = true;
  status.textContent = 'Checking the query…';
  try {
    const run = await fetchJson('/api/runs', {
      method: 'POST',
      body: JSON.stringify({playground: {sql: sql.value, conf: conf()}, predictions: predictions()}),
    });
    status.textContent = 'Started run ' + run.id;
    location.href = '/runs/' + encodeURIComponent(run.id);
  } catch (err) {
    button.disabled = false;
    const p = err.problem;
    const text = p ? [p.construct ? `Refused: ${p.construct}.` : null, p.detail, p.allowed ? `Allowed: ${p.allowed}.` : null]
      .filter(Boolean).join(' ') : err.message;
    const placed = showError(p?.field, text);
    status.textContent = placed ? 'The lab refused this run: see the message above.' : 'The lab refused this run: ' + text;
  }
});

sql.addEventListener('input', highlight);
fromUrl();
highlight();
