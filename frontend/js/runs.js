// Runs list: one page of GET /api/runs at a time (newest first), filtered by experiment, variant and
// status, paged through the Link header the server sends (rel first/prev/next). The first page also
// follows /topic/runs live (creation and every status change); after a reconnect the page is
// reloaded, so nothing announced meanwhile is missed. Filters and page live in the address bar.
import {el, fill, fetchJson, ms, time, statusBadge, FINISHED} from './util.js';
import {RunsFeed} from './live.js';

const SIZE = 50;
const filter = document.getElementById('runs-filter');
const variantFilter = document.getElementById('runs-variant');
const statusFilter = document.getElementById('runs-status');
const pager = {
  first: document.getElementById('runs-first'),
  prev: document.getElementById('runs-prev'),
  next: document.getElementById('runs-next'),
  label: document.getElementById('runs-page'),
};
const errorBox = document.getElementById('runs-error');

const params = new URLSearchParams(location.search);
const state = {
  experiment: params.get('experiment') || '',
  variant: params.get('variant') || '',
  status: params.get('status') || '',
  page: Math.max(0, parseInt(params.get('page'), 10) || 0),
};
let experiments = [];
let runs = [];
let links = {};

// Stored runs go back days: their date is shown too (today's runs show the time only).
function submitted(iso) {
  if (!iso) return time(iso);
  const d = new Date(iso);
  if (d.toDateString() === new Date().toDateString()) return time(iso);
  return d.toLocaleDateString([], {year: 'numeric', month: 'short', day: 'numeric'}) + ' ' + time(iso);
}

function matches(r) {
  return (!state.experiment || r.experimentId === state.experiment)
    && (!state.variant || r.variant === state.variant)
    && (!state.status || r.status === state.status);
}

function renderFilters() {
  const ids = experiments.map((e) => e.id);
  if (state.experiment && !ids.includes(state.experiment)) ids.push(state.experiment);
  fill(filter, el('option', {value: ''}, 'all'), ...ids.sort().map((id) => el('option', {value: id, selected: id === state.experiment}, id)));
  filter.value = state.experiment;
  const experiment = experiments.find((e) => e.id === state.experiment);
  const variants = experiment ? experiment.variants.map((v) => v.name) : [];
  if (state.variant && !variants.includes(state.variant)) variants.push(state.variant);
  fill(variantFilter, el('option', {value: ''}, 'all'), ...variants.map((v) => el('option', {value: v, selected: v === state.variant}, v)));
  variantFilter.value = state.variant;
  variantFilter.disabled = !state.experiment;
  statusFilter.value = state.status;
}

let drawn = '';
function render() {
  // Reloads (every reconnect, the REST fallback) mostly bring the same page: leave the table alone then.
  const key = JSON.stringify([runs, links, state, errorBox.hidden]);
  if (key === drawn) return;
  drawn = key;
  const tbody = document.querySelector('#runs-table tbody');
  pager.first.disabled = !links.prev;
  pager.prev.disabled = !links.prev;
  pager.next.disabled = !links.next;
  pager.label.textContent = `page ${state.page + 1}`;
  if (!runs.length) {
    const filtered = state.experiment || state.variant || state.status;
    const text = state.page > 0 ? 'No runs on this page.'
      : filtered ? 'No runs match these filters.'
        : 'No runs yet. Pick an experiment in the catalog and run it.';
    fill(tbody, el('tr', {}, el('td', {colspan: 8, class: 'muted'}, text)));
    return;
  }
  fill(tbody, ...runs.map((r) => {
    const other = FINISHED.has(r.status) && runs.find((o) => o.id !== r.id && o.experimentId === r.experimentId && o.variant !== r.variant && o.status === 'SUCCEEDED');
    return el('tr', {'data-run': r.id, class: 'run-' + r.status.toLowerCase()},
      el('td', {}, el('a', {href: '/runs/' + r.id}, r.id)),
      el('td', {}, r.source === 'import'
        ? el('a', {href: '/imports', title: 'replayed from an uploaded Spark event log'}, r.experimentId)
        : el('a', {href: '/experiments/' + r.experimentId}, r.experimentId)),
      el('td', {}, r.variant),
      el('td', {}, statusBadge(r.status)),
      el('td', {}, submitted(r.submittedAt)),
      el('td', {class: 'num'}, r.durationMs != null ? ms(r.durationMs) : ''),
      el('td', {class: 'muted'}, r.errorClass || r.result || ''),
      el('td', {}, other ? el('a', {href: `/compare?a=${r.id}&b=${other.id}`}, `compare with ${other.variant}`) : ''));
  }));
}

// RFC 8288: <uri>; rel="next", <uri>; rel="prev", ...
function parseLinks(header) {
  const out = {};
  for (const m of (header || '').matchAll(/<([^>]*)>\s*;\s*rel="?([\w-]+)"?/g)) out[m[2]] = m[1];
  return out;
}

function apiUrl(page) {
  const q = new URLSearchParams();
  if (state.experiment) q.set('experimentId', state.experiment);
  if (state.variant) q.set('variant', state.variant);
  if (state.status) q.set('status', state.status);
  q.set('page', page);
  q.set('size', SIZE);
  return '/api/runs?' + q;
}

function pageOf(url) {
  return Math.max(0, parseInt(new URL(url, location.href).searchParams.get('page'), 10) || 0);
}

function remember() {
  const url = new URL(location.href);
  for (const [key, value] of [['experiment', state.experiment], ['variant', state.variant], ['status', state.status], ['page', state.page || '']]) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, '', url);
}

let loading = 0;
async function load(url = apiUrl(state.page)) {
  const ticket = ++loading;
  const response = await fetch(url, {headers: {accept: 'application/json'}});
  const body = await response.json().catch(() => null);
  if (ticket !== loading) return; // a newer load is on its way
  if (!response.ok) {
    errorBox.hidden = false;
    errorBox.textContent = (body && body.detail) || response.statusText;
    runs = [];
    links = {};
  } else {
    errorBox.hidden = true;
    runs = body;
    links = parseLinks(response.headers.get('Link'));
    state.page = pageOf(url);
  }
  remember();
  render();
}

function refilter() {
  state.experiment = filter.value;
  state.variant = state.experiment ? variantFilter.value : '';
  state.status = statusFilter.value;
  state.page = 0;
  renderFilters();
  load();
}

filter.addEventListener('change', () => {
  variantFilter.value = '';
  refilter();
});
variantFilter.addEventListener('change', refilter);
statusFilter.addEventListener('change', refilter);
pager.first.addEventListener('click', () => links.first && load(links.first));
pager.prev.addEventListener('click', () => links.prev && load(links.prev));
pager.next.addEventListener('click', () => links.next && load(links.next));

new RunsFeed(
  (a) => {
    if (!a) return load();
    const i = runs.findIndex((r) => r.id === a.id);
    if (i >= 0) {
      // A run shown here changed status: keep it in place (the page is reloaded if it no longer matches).
      runs[i] = {...runs[i], ...a};
      if (!matches(runs[i])) return load();
    } else if (state.page === 0 && matches(a)) {
      runs.unshift(a);
    } else {
      return;
    }
    render();
  },
  (s) => {
    const conn = document.getElementById('conn');
    conn.dataset.state = s;
    conn.textContent = s === 'live' ? '● live' : 'reconnecting…';
  },
);

renderFilters();
load();
fetchJson('/api/experiments').then((list) => {
  experiments = list;
  renderFilters();
}).catch(() => {});
// Without a socket (or between reconnects) keep the page fresh from REST.
setInterval(() => {
  if (document.getElementById('conn').textContent !== '● live') load();
}, 3000);
