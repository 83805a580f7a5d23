// Runs list, live: loaded from REST, then kept current from /topic/runs (creation and every status
// change). After a reconnect the list is reloaded, so nothing announced meanwhile is missed.
import {el, fill, fetchJson, ms, time, statusBadge, FINISHED} from './util.js';
import {RunsFeed} from './live.js';

let runs = [];
const filter = document.getElementById('runs-filter');
filter.value = new URLSearchParams(location.search).get('experiment') || '';

function render() {
  const experiments = [...new Set(runs.map((r) => r.experimentId))].sort();
  const current = filter.value;
  fill(filter, el('option', {value: ''}, 'all'), ...experiments.map((e) => el('option', {value: e, selected: e === current}, e)));
  filter.value = current;
  const shown = runs.filter((r) => !current || r.experimentId === current);
  const tbody = document.querySelector('#runs-table tbody');
  if (!shown.length) {
    fill(tbody, el('tr', {}, el('td', {colspan: 8, class: 'muted'}, 'No runs yet. Pick an experiment in the catalog and run it.')));
    return;
  }
  fill(tbody, ...shown.map((r) => {
    const other = FINISHED.has(r.status) && runs.find((o) => o.id !== r.id && o.experimentId === r.experimentId && o.variant !== r.variant && o.status === 'SUCCEEDED');
    return el('tr', {'data-run': r.id, class: 'run-' + r.status.toLowerCase()},
      el('td', {}, el('a', {href: '/runs/' + r.id}, r.id)),
      el('td', {}, el('a', {href: '/experiments/' + r.experimentId}, r.experimentId)),
      el('td', {}, r.variant),
      el('td', {}, statusBadge(r.status)),
      el('td', {}, time(r.submittedAt)),
      el('td', {class: 'num'}, r.durationMs != null ? ms(r.durationMs) : ''),
      el('td', {class: 'muted'}, r.errorClass || r.result || ''),
      el('td', {}, other ? el('a', {href: `/compare?a=${r.id}&b=${other.id}`}, `compare with ${other.variant}`) : ''));
  }));
}

async function load() {
  runs = await fetchJson('/api/runs');
  render();
}

filter.addEventListener('change', () => {
  const url = new URL(location.href);
  if (filter.value) url.searchParams.set('experiment', filter.value);
  else url.searchParams.delete('experiment');
  history.replaceState(null, '', url);
  render();
});

new RunsFeed(
  (a) => {
    if (!a) return load();
    const i = runs.findIndex((r) => r.id === a.id);
    if (i >= 0) runs[i] = {...runs[i], ...a};
    else runs.unshift(a);
    render();
  },
  (state) => {
    const conn = document.getElementById('conn');
    conn.dataset.state = state;
    conn.textContent = state === 'live' ? '● live' : 'reconnecting…';
  },
);
load();
// Without a socket (or between reconnects) keep the list fresh from REST.
setInterval(() => {
  if (document.getElementById('conn').textContent !== '● live') load();
}, 3000);
