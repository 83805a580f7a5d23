// Experiment page: code tabs (the SQL tab shows the chosen variant's query after the settings it
// applies), "Copy as snippet", the variant picker, the knobs form (checked here with the knob's own
// type and range, and again by the server, whose problem details land next to the field at fault),
// the predictions, Run, and this experiment's earlier runs (kept live).
import {el, fill, fetchJson, ms, time, statusBadge, snippetButton} from './util.js';
import {RunsFeed} from './live.js';
import {switchEngine} from './engine.js';

const main = document.querySelector('main');
const experimentId = main.dataset.experiment;
const form = document.getElementById('run-form');
const formStatus = document.getElementById('form-status');
let definition = null;
let variant = null;

// --- code tabs (WAI-ARIA tabs: arrows move, the active tab is the only tab stop)
const tabs = [...document.querySelectorAll('[role=tab]')];
function selectTab(tab) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute('aria-selected', String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
  }
}
tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    selectTab(next);
    next.focus();
  });
});
function highlight(code) {
  if (!window.hljs) return;
  delete code.dataset.highlighted;
  window.hljs.highlightElement(code);
}
document.querySelectorAll('[role=tabpanel] pre code').forEach(highlight);

/**
 * The SQL tab for the chosen variant: a SET line for every setting the server says the variant
 * applies, then the variant's query; or why the lesson has no SQL form.
 */
function renderSql() {
  const code = document.getElementById('sql-code');
  const sql = definition.code.sqlByVariant?.[variant.name] ?? definition.code.sql;
  code.closest('pre').hidden = sql == null;
  const none = document.getElementById('no-sql');
  none.hidden = sql != null;
  if (sql == null) {
    none.textContent = definition.code.noSql || 'This lesson has no SQL form.';
    return;
  }
  const sets = Object.entries(variant.settings || {}).map(([k, v]) => `SET ${k}=${v};`);
  code.textContent = (sets.length ? sets.join('\n') + '\n\n' : '') + sql;
  code.dataset.variant = variant.name;
  highlight(code);
}

/** "Copy as snippet" for the chosen variant, with its knob values, as SQL (when it has a SQL form) and Java. */
function renderSnippetButtons() {
  const sink = {status: document.getElementById('snippet-status'), output: document.getElementById('snippet-text')};
  // A snippet copied for another variant goes: what is shown is always the chosen variant's.
  sink.status.textContent = '';
  document.getElementById('snippet').hidden = true;
  const name = variant.name;
  const button = (lang, label) => {
    const b = snippetButton(`Copy ${name} as ${label}`, `/api/experiments/${encodeURIComponent(experimentId)}/snippet?variant=${encodeURIComponent(name)}&lang=${lang}`, sink);
    b.dataset.lang = lang;
    return b;
  };
  const hasSql = (definition.code.sqlByVariant?.[name] ?? definition.code.sql) != null;
  fill(document.getElementById('snippet-buttons'), hasSql ? button('sql', 'SQL') : null, button('java', 'Java'));
}

// --- the form
function fieldId(field) {
  return 'f-' + field.replace(/[^a-zA-Z0-9-]/g, '_');
}

function errorSlot(field) {
  return el('p', {class: 'field-error', id: fieldId(field) + '-error', role: 'alert', hidden: true});
}

function setError(field, message, allowed) {
  const slot = document.getElementById(fieldId(field) + '-error');
  const input = document.getElementById(fieldId(field));
  if (!slot) return false;
  slot.hidden = !message;
  slot.textContent = message ? message + (allowed ? ` (allowed: ${allowed})` : '') : '';
  if (input) {
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
    if (message) input.setAttribute('aria-describedby', slot.id);
  }
  return true;
}

function clearErrors() {
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.hidden = true;
    slot.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.setAttribute('aria-invalid', 'false');
}

function allowedText(k) {
  if (k.type === 'integer') return `an integer from ${k.min} to ${k.max}${k.unit ? ' (' + k.unit + ')' : ''}`;
  if (k.type === 'decimal') return `a number from ${k.min} to ${k.max}${k.unit ? ' (' + k.unit + ')' : ''}`;
  if (k.type === 'boolean') return 'true or false';
  return 'one of ' + (k.choices || []).join(', ');
}

function knobInput(k) {
  const id = fieldId('knobs.' + k.name);
  let input;
  if (k.type === 'boolean') {
    input = el('input', {type: 'checkbox', id, name: k.name});
  } else if (k.type === 'choice') {
    input = el('select', {id, name: k.name}, (k.choices || []).map((c) => el('option', {value: c}, c)));
  } else {
    input = el('input', {type: 'number', id, name: k.name, min: k.min, max: k.max, step: k.type === 'integer' ? 1 : 'any', inputmode: k.type === 'integer' ? 'numeric' : 'decimal', required: true});
  }
  input.dataset.knob = k.name;
  input.addEventListener('input', () => {
    const {error} = readKnob(k);
    setError('knobs.' + k.name, error, error ? allowedText(k) : null);
    markChanged();
  });
  return el('div', {class: 'knob'},
    el('label', {for: id}, k.label || k.name, k.unit ? el('span', {class: 'unit'}, ` (${k.unit})`) : null),
    input,
    el('p', {class: 'hint'}, k.description, k.sparkConf ? [' · ', el('code', {}, k.sparkConf)] : null),
    errorSlot('knobs.' + k.name));
}

/** The knob's value from its input, or an error in the same words the server uses. */
function readKnob(k) {
  const input = document.getElementById(fieldId('knobs.' + k.name));
  if (k.type === 'boolean') return {value: input.checked};
  if (k.type === 'choice') return {value: input.value};
  const raw = input.value.trim();
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value)) return {error: `${k.label || k.name} must be ${allowedText(k)}`};
  if (k.type === 'integer' && !Number.isInteger(value)) return {error: `${k.label || k.name} must be a whole number`};
  if (value < k.min || value > k.max) return {error: `${k.label || k.name} must be between ${k.min} and ${k.max}, got ${raw}`};
  return {value};
}

function variantValue(k) {
  return variant && k.name in (variant.knobs || {}) ? variant.knobs[k.name] : k.default ?? k.defaultValue;
}

function writeKnob(k, value) {
  const input = document.getElementById(fieldId('knobs.' + k.name));
  if (k.type === 'boolean') input.checked = Boolean(value);
  else input.value = value ?? '';
}

function markChanged() {
  for (const k of definition.knobs) {
    const {value} = readKnob(k);
    const changed = value !== undefined && String(value) !== String(variantValue(k));
    document.getElementById(fieldId('knobs.' + k.name)).closest('.knob').classList.toggle('changed', changed);
  }
}

function pickVariant(name) {
  variant = definition.variants.find((v) => v.name === name) || definition.variants[0];
  for (const radio of form.querySelectorAll('input[name=variant]')) radio.checked = radio.value === variant.name;
  for (const k of definition.knobs) writeKnob(k, variantValue(k));
  const settings = Object.entries(variant.settings || {});
  const knobs = Object.entries(variant.knobs || {});
  const details = document.getElementById('variant-details');
  fill(details,
    el('p', {}, el('strong', {}, variant.title), ' — ', variant.description),
    knobs.length ? el('p', {}, 'Sets ', knobs.map(([k, v], i) => [i ? ', ' : '', el('code', {}, `${k} = ${v}`)])) : null,
    settings.length
      ? el('table', {class: 'conf'}, el('caption', {}, 'Spark settings this variant applies (with its knob values)'),
        el('tbody', {}, settings.map(([k, v]) => el('tr', {}, el('th', {}, el('code', {}, k)), el('td', {}, el('code', {}, v))))))
      : el('p', {class: 'muted'}, 'No Spark settings: Spark\'s defaults.'));
  renderSql();
  renderSnippetButtons();
  markChanged();
  clearErrors();
}

function questionField(q) {
  const id = fieldId('predictions.' + q.id);
  let control;
  if (q.kind === 'choice' || (q.choices && q.choices.length)) {
    control = el('div', {class: 'choices', role: 'radiogroup', id, 'aria-labelledby': id + '-label'},
      q.choices.map((c) => el('label', {class: 'choice'}, el('input', {type: 'radio', name: 'q-' + q.id, value: c, 'data-question': q.id}), ' ', c)));
  } else {
    control = el('input', {type: 'number', id, step: 1, min: 0, inputmode: 'numeric', 'data-question': q.id, 'aria-labelledby': id + '-label'});
  }
  return el('div', {class: 'question'}, el('p', {class: 'q-text', id: id + '-label'}, q.text), control, errorSlot('predictions.' + q.id));
}

function readPredictions() {
  const out = {};
  for (const q of definition.questions) {
    const checked = form.querySelector(`input[data-question="${CSS.escape(q.id)}"]:checked`);
    const number = form.querySelector(`input[type=number][data-question="${CSS.escape(q.id)}"]`);
    const value = checked ? checked.value : number ? number.value.trim() : '';
    if (value !== '') out[q.id] = value;
  }
  return out;
}

function updateRunLabel() {
  const answered = Object.keys(readPredictions()).length;
  const total = definition.questions.length;
  document.getElementById('run-button').textContent =
    `Run ${variant ? variant.name : ''}` + (total && answered < total ? ` (${answered}/${total} predicted)` : '');
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  const knobs = {};
  let firstBad = null;
  for (const k of definition.knobs) {
    const {value, error} = readKnob(k);
    if (error) {
      setError('knobs.' + k.name, error, allowedText(k));
      firstBad ||= document.getElementById(fieldId('knobs.' + k.name));
    } else if (String(value) !== String(variantValue(k))) {
      knobs[k.name] = value;
    }
  }
  for (const q of definition.questions) {
    const number = form.querySelector(`input[type=number][data-question="${CSS.escape(q.id)}"]`);
    if (number && number.value.trim() !== '' && !/^\d+$/.test(number.value.trim())) {
      setError('predictions.' + q.id, 'a whole number, please');
      firstBad ||= number;
    }
  }
  if (firstBad) {
    formStatus.textContent = 'Fix the highlighted fields first.';
    firstBad.focus();
    return;
  }
  const button = document.getElementById('run-button');
  button.disabled = true;
  formStatus.textContent = 'Submitting…';
  try {
    const run = await fetchJson('/api/runs', {
      method: 'POST',
      body: JSON.stringify({experimentId, variant: variant.name, knobs, predictions: readPredictions()}),
    });
    formStatus.textContent = 'Started run ' + run.id;
    location.href = '/runs/' + encodeURIComponent(run.id);
  } catch (err) {
    button.disabled = false;
    const p = err.problem;
    if (p?.action && main.dataset.localUser === 'true') {
      // A cluster lesson on the embedded engine: offer what fixes it instead of only refusing.
      formStatus.textContent = `${p.detail} `;
      formStatus.append(startClusterButton(p.action, formStatus));
      return;
    }
    const field = p && p.field;
    const placed = field && setError(field, p.detail || err.message, p.allowed);
    formStatus.textContent = placed ? 'The lab refused this run: see the highlighted field.' : `The lab refused this run: ${p?.detail || err.message}`;
    if (placed) document.getElementById(fieldId(field))?.focus();
  }
});

form.addEventListener('input', () => {
  // The complaint goes once nothing is marked any more.
  if (![...form.querySelectorAll('.field-error')].some((e) => !e.hidden)) formStatus.textContent = '';
});

// --- earlier runs
let runs = [];
function renderRuns() {
  const mine = runs.filter((r) => r.experimentId === experimentId);
  const box = document.getElementById('earlier-runs');
  if (!mine.length) {
    fill(box, el('p', {class: 'muted'}, 'No runs yet. Your runs will appear here as they happen.'));
    return;
  }
  const latest = (v) => mine.find((r) => r.variant === v && r.status === 'SUCCEEDED');
  const broken = latest('broken');
  const fixed = mine.find((r) => r.variant !== 'broken' && r.status === 'SUCCEEDED');
  fill(box,
    broken && fixed
      ? el('p', {}, el('a', {class: 'button', href: `/compare?a=${broken.id}&b=${fixed.id}`}, `Compare ${broken.variant} ${broken.id} with ${fixed.variant} ${fixed.id}`))
      : null,
    el('table', {class: 'runs'},
      el('thead', {}, el('tr', {}, ['Run', 'Variant', 'Status', 'Submitted', 'Duration', 'Result'].map((h) => el('th', {}, h)))),
      el('tbody', {}, mine.map((r) => el('tr', {},
        el('td', {}, el('a', {href: '/runs/' + r.id}, r.id)),
        el('td', {}, r.variant),
        el('td', {}, statusBadge(r.status)),
        el('td', {}, time(r.submittedAt)),
        el('td', {class: 'num'}, r.durationMs != null ? ms(r.durationMs) : ''),
        el('td', {class: 'muted'}, r.errorClass || r.result || ''))))));
}

async function loadRuns() {
  try {
    runs = await fetchJson('/api/runs?experimentId=' + encodeURIComponent(experimentId));
    renderRuns();
  } catch (e) {
    fill(document.getElementById('earlier-runs'), el('p', {class: 'muted'}, 'Could not load runs: ' + e.message));
  }
}

new RunsFeed((announcement) => {
  if (!announcement) return loadRuns();
  const i = runs.findIndex((r) => r.id === announcement.id);
  if (i >= 0) runs[i] = {...runs[i], ...announcement};
  else runs.unshift(announcement);
  renderRuns();
});

// --- start
(async () => {
  definition = await fetchJson('/api/experiments/' + encodeURIComponent(experimentId));
  const variantsBox = document.getElementById('variants');
  fill(variantsBox, ...definition.variants.map((v) =>
    el('label', {class: 'variant variant-' + v.name},
      el('input', {type: 'radio', name: 'variant', value: v.name, onchange: () => {
        pickVariant(v.name);
        updateRunLabel();
      }}),
      el('span', {class: 'variant-name'}, v.name),
      el('span', {class: 'variant-title'}, v.title))));
  variantsBox.append(errorSlot('variant'));
  fill(document.getElementById('knobs'), ...definition.knobs.map(knobInput));
  const questions = document.getElementById('questions');
  fill(questions, ...(definition.questions.length ? definition.questions.map(questionField) : [el('p', {class: 'muted'}, 'No predictions for this experiment.')]));
  questions.addEventListener('input', updateRunLabel);
  questions.addEventListener('change', updateRunLabel);
  const params = new URLSearchParams(location.search);
  pickVariant(params.get('variant') || 'broken');
  // A finding's "Try this fix" link brings knob values: knob.<name>=<value>.
  for (const k of definition.knobs) {
    const v = params.get('knob.' + k.name);
    if (v !== null) writeKnob(k, k.type === 'boolean' ? v === 'true' : v);
  }
  markChanged();
  updateRunLabel();
  loadRuns();
})();

// --- a cluster lesson on the embedded engine: the lab's own user may start the local cluster from here
// (PUT /api/engine), then run the lesson.
function startClusterButton(action, status) {
  const button = el('button', {type: 'button', class: 'start-cluster'}, action.title || 'Start the local cluster');
  wireStartCluster(button, status, action.body?.mode || 'local-cluster');
  return button;
}

function wireStartCluster(button, status, mode) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    const runButton = document.getElementById('run-button');
    runButton.disabled = true;
    try {
      await switchEngine(mode, (text) => { status.textContent = text; });
      document.getElementById('needs-cluster')?.remove();
      formStatus.textContent = `The ${mode} engine runs: you can run the experiment now.`;
      runButton.disabled = false;
      runButton.focus();
    } catch (err) {
      status.textContent = err.problem?.detail || err.message;
      button.disabled = false;
      runButton.disabled = false;
    }
  });
}

for (const button of document.querySelectorAll('#needs-cluster .start-cluster')) {
  wireStartCluster(button, document.querySelector('#needs-cluster .engine-switch-status'), 'local-cluster');
}
