// The instructor's console: agenda and focus, poll open/close, live histogram, the shared run,
// reveal, participant tiles and the CSV export. Every action is a POST with the instructor token.
import {el, fill} from './util.js';
import {api, followRoom, histogram, showError} from './workshop-live.js';

const main = document.querySelector('main');
const id = main.dataset.workshop;
const key = 'breaklab.instructor.' + id;
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromLink) {
  localStorage.setItem(key, fromLink);
  history.replaceState(null, '', location.pathname); // the token leaves the address bar
}
const token = localStorage.getItem(key);
const call = api(token || '');
const error = document.getElementById('ws-error');
const $ = (x) => document.getElementById(x);
let room = null;

async function act(path, body) {
  try {
    showError(error, null);
    return await call('/api/workshops/' + id + path, {method: 'POST', body: JSON.stringify(body || {})});
  } catch (e) {
    showError(error, e);
    return null;
  }
}

async function refreshTiles() {
  try {
    const state = await call('/api/workshops/' + id);
    fill($('ws-tiles'), state.participants.map((p) =>
      el('li', {class: 'tile', dataset: {participant: p.participantId}}, el('strong', {}, p.name), ' · ', p.answered + ' answered')));
  } catch (e) {
    showError(error, e);
  }
}

function render(r) {
  room = r;
  $('ws-title').textContent = r.title;
  $('ws-count').textContent = r.participants;
  $('ws-code').textContent = r.code;
  $('ws-join-url').textContent = location.origin + '/join?code=' + r.code;
  fill($('ws-agenda'), r.agenda.map((a) => el('li', {class: a.experimentId === r.focus ? 'current' : null},
    a.title, ' ', el('button', {type: 'button', dataset: {focus: a.experimentId}, onclick: () => act('/focus', {experimentId: a.experimentId})},
      a.experimentId === r.focus ? 'Focused' : 'Focus'))));
  $('ws-focus').textContent = r.step ? r.step.title : 'none';
  $('ws-poll').textContent = r.pollOpen ? 'Answering is open.' : 'Answering is closed.';
  const step = r.step;
  if (step) {
    const select = $('ws-variant');
    if (select.dataset.experiment !== step.experimentId) {
      fill(select, step.variants.map((v) => el('option', {value: v}, v)));
      select.dataset.experiment = step.experimentId;
    }
    fill($('ws-shared-run'), step.sharedRunId
      ? ['Shared run: ', el('a', {href: '/runs/' + encodeURIComponent(step.sharedRunId), id: 'ws-run-link'}, step.sharedRunId)]
      : []);
    fill($('ws-histogram'),
      el('p', {id: 'ws-answered'}, step.answered + ' of ' + r.participants + ' answered'),
      step.questions.map((q) => histogram(q, step.histogram[q.id], step.revealed ? step.truth[q.id] : undefined)),
      step.revealed ? el('p', {id: 'ws-accuracy'}, 'Right: ' + Object.entries(step.correct).map(([q, n]) => q + ' ' + n).join(', ')) : null);
  } else {
    fill($('ws-histogram'));
  }
  refreshTiles();
}

$('ws-open').onclick = () => act('/poll/open');
$('ws-close').onclick = () => act('/poll/close');
$('ws-reveal').onclick = () => act('/reveal');
$('ws-run').onclick = () => act('/run', {variant: $('ws-variant').value});
$('ws-export').onclick = async (event) => {
  event.preventDefault();
  const response = await fetch('/api/workshops/' + id + '/results.csv', {headers: {authorization: 'Bearer ' + token}});
  const link = el('a', {href: URL.createObjectURL(await response.blob()), download: 'workshop-results.csv'});
  link.click();
};

if (!token) {
  showError(error, new Error('This browser has no instructor token for this workshop: open the console link you got when you created it.'));
} else {
  call('/api/workshops/' + id).then((state) => render(state.room)).catch((e) => showError(error, e));
  followRoom(id, token, render, (s) => { $('conn').textContent = s; });
}
