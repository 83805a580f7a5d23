// The instructor's console: agenda and focus, poll open/close, live histogram, the shared run,
// reveal, participant tiles and the CSV export. Every action is a POST with the instructor token.
import {el, fill} from './util.js';
import {api, followRoom, histogram, leaderboard, progress, showError, timer} from './workshop-live.js';

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
      el('li', {class: 'tile' + (p.handRaised ? ' hand' : ''), dataset: {participant: p.participantId, hand: String(p.handRaised)}},
        el('strong', {}, p.name), p.handRaised ? ' ✋' : '', ' · on ', p.step ?? '–', ' · ', p.answered + ' answered now',
        ' · ', p.answers + ' answers', ' · ', p.runs + ' runs')));
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
  $('ws-poll').textContent = (r.pollOpen ? 'Answering is open' + (r.step && r.step.round > 1 ? ' (round ' + r.step.round + ')' : '') + '.' + timer(r.pollClosesAt) : 'Answering is closed.');
  $('ws-pacing').textContent = r.pacing;
  $('ws-pacing-switch').textContent = r.pacing === 'self-paced' ? 'Switch to instructor-led' : 'Switch to self-paced';
  $('ws-queue').textContent = r.pacing === 'self-paced' ? 'Learners\' own runs: ' + r.running.length + ' running, ' + r.queue.length + ' queued.' : '';
  $('ws-leaderboard-box').hidden = !r.leaderboard;
  leaderboard($('ws-leaderboard'), r.standings);
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
    $('ws-progress').textContent = step.run ? progress(step.run) : '';
    fill($('ws-histogram'),
      el('p', {id: 'ws-answered'}, step.answered + ' of ' + r.participants + ' answered' + (step.round > 1 ? ' in round ' + step.round : '')),
      step.questions.map((q) => histogram(q, step.histogram[q.id], step.revealed ? step.truth[q.id] : undefined)),
      step.previous ? el('details', {id: 'ws-previous'}, el('summary', {}, 'Round ' + (step.round - 1) + ' (before the discussion)'),
        step.questions.map((q) => histogram(q, step.previous[q.id]))) : null,
      step.revealed ? el('p', {id: 'ws-accuracy'}, 'Right: ' + Object.entries(step.correct).map(([q, n]) => q + ' ' + n).join(', ')) : null);
  } else {
    fill($('ws-histogram'));
  }
  // Tiles change on joins, answers, hands and runs; the shared run's progress alone leaves them be.
  if (r.event !== 'progress') refreshTiles();
}

function seconds() {
  const value = $('ws-seconds').value.trim();
  return value === '' ? {} : {seconds: Number(value)};
}

async function showQr() {
  const response = await fetch('/api/workshops/' + id + '/qr.svg', {headers: {authorization: 'Bearer ' + token}});
  if (response.ok) {
    $('ws-qr').src = URL.createObjectURL(await response.blob());
    $('ws-qr').hidden = false;
  }
}

$('ws-open').onclick = () => act('/poll/open', seconds());
$('ws-revote').onclick = () => act('/poll/revote', seconds());
$('ws-pacing-switch').onclick = () => act('/pacing', {pacing: room && room.pacing === 'self-paced' ? 'instructor-led' : 'self-paced'});
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
  showQr();
  setInterval(() => { if (room && room.pollClosesAt) $('ws-poll').textContent = 'Answering is open.' + timer(room.pollClosesAt); }, 1000);
}
