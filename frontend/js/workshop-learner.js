// The learner's page: join with the code and a name (the token stays in this browser, so a reload
// returns to the seat), then follow the room: the focused experiment's prediction form while the
// poll is open, the shared run's live page, and after the reveal whether each prediction was right.
import {el, fill, fetchJson} from './util.js';
import {api, followRoom, leaderboard, progress, showError, timer} from './workshop-live.js';

const KEY = 'breaklab.learner';
const $ = (x) => document.getElementById(x);
const error = $('ws-error');
const joinForm = $('join-form');
const answerForm = $('answer-form');
// The seat is kept per tab (a reload returns to it) and per browser (a new tab without a join code
// returns to the last seat): several learners can share one browser, each in a tab.
const code = new URLSearchParams(location.search).get('code');
let seat = JSON.parse(sessionStorage.getItem(KEY) || (code ? 'null' : localStorage.getItem(KEY)) || 'null');
let call = null;
let shownFocus = null;
let me = null;
let handRaised = false;
let lastRoom = null;
let myRuns = [];

if (code) $('join-code').value = code;

joinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    showError(error, null);
    const joined = await fetchJson('/api/workshops/join', {
      method: 'POST',
      body: JSON.stringify({code: $('join-code').value, name: $('join-name').value}),
    });
    seat = {workshopId: joined.workshopId, participantToken: joined.participantToken};
    sessionStorage.setItem(KEY, JSON.stringify(seat));
    localStorage.setItem(KEY, JSON.stringify(seat));
    enter();
  } catch (e) {
    showError(error, e);
  }
});

$('ws-leave').onclick = () => {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  location.replace('/join');
};

answerForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const answers = {};
  for (const input of answerForm.querySelectorAll('[data-question]')) {
    if (input.type === 'radio' && !input.checked) continue;
    if (input.value.trim() !== '') answers[input.dataset.question] = input.value.trim();
  }
  try {
    showError(error, null);
    await call('/api/workshops/' + seat.workshopId + '/answers', {method: 'POST', body: JSON.stringify({answers})});
    $('answer-status').textContent = 'Sent. You can change your answers while answering is open.';
  } catch (e) {
    showError(error, e);
  }
});

$('ws-hand').onclick = async () => {
  try {
    showError(error, null);
    await call('/api/workshops/' + seat.workshopId + '/hand', {method: 'POST', body: JSON.stringify({raised: !handRaised})});
    showHand(!handRaised);
  } catch (e) {
    showError(error, e);
  }
};

function showHand(raised) {
  handRaised = raised;
  $('ws-hand').textContent = raised ? 'Lower hand' : 'Raise hand';
  $('ws-hand').setAttribute('aria-pressed', String(raised));
}

$('my-run').onclick = async () => {
  try {
    showError(error, null);
    const queued = await call('/api/workshops/' + seat.workshopId + '/my-runs', {
      method: 'POST', body: JSON.stringify({experimentId: lastRoom?.focus, variant: $('my-variant').value}),
    });
    myRuns = [queued];
    render();
  } catch (e) {
    showError(error, e);
  }
};

/** The learner's own runs: the running one (a link) and the queued ones with their position. */
function showQueue(room, runs) {
  const position = room.queue.indexOf(me) + 1;
  const running = runs.find((q) => q.runId);
  fill($('my-queue'),
    running ? ['Your run is running: ', el('a', {href: '/runs/' + encodeURIComponent(running.runId), id: 'my-run-link', target: '_blank'}, running.variant)] : null,
    running && position ? ' · ' : null,
    position ? el('span', {id: 'my-position'}, 'Queue position: ' + position + ' (' + room.queue.length + ' waiting)') : null);
}

function questionInput(q, mine) {
  if (q.kind === 'choice') {
    return el('fieldset', {}, el('legend', {}, q.text), q.choices.map((c) => el('label', {},
      el('input', {type: 'radio', name: 'q-' + q.id, value: c, dataset: {question: q.id}, checked: mine === c}), ' ' + c + ' ')));
  }
  return el('p', {}, el('label', {for: 'q-' + q.id}, q.text), el('br'),
    el('input', {id: 'q-' + q.id, type: 'number', min: 0, step: 1, value: mine ?? '', dataset: {question: q.id}}));
}

async function render() {
  let state;
  try {
    state = await call('/api/workshops/' + seat.workshopId);
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      sessionStorage.removeItem(KEY);
      localStorage.removeItem(KEY);
      location.replace('/join');
    }
    showError(error, e);
    return;
  }
  const r = state.room;
  me = state.you.participantId;
  myRuns = state.you.queue;
  showHand(state.you.handRaised);
  $('ws-title').textContent = r.title;
  $('ws-me').textContent = state.you.name;
  live(r);
  const step = r.step;
  $('ws-focus').textContent = step ? step.title : 'Waiting for the instructor…';
  const selfPaced = r.pacing === 'self-paced' && step;
  $('ws-self-paced').hidden = !selfPaced;
  if (selfPaced && $('my-variant').dataset.experiment !== step.experimentId) {
    fill($('my-variant'), step.variants.map((v) => el('option', {value: v}, v)));
    $('my-variant').dataset.experiment = step.experimentId;
  }
  answerForm.hidden = !step;
  if (step && shownFocus !== step.experimentId + ':' + r.pollOpen) {
    shownFocus = step.experimentId + ':' + r.pollOpen;
    fill($('ws-questions'), step.questions.map((q) => questionInput(q, state.you.answers[q.id])));
    $('answer-status').textContent = '';
  }
  for (const input of answerForm.querySelectorAll('input, button')) input.disabled = !r.pollOpen;
  fill($('ws-shared-run'), step && step.sharedRunId
    ? ['Everyone is watching one run: ', el('a', {href: '/runs/' + encodeURIComponent(step.sharedRunId), id: 'ws-run-link', target: '_blank'}, 'open the live run')]
    : []);
  fill($('ws-result'), step && step.revealed
    ? el('ul', {class: 'plain', id: 'ws-results'}, step.questions.map((q) => {
      const mine = state.you.answers[q.id];
      const right = state.you.correct[q.id];
      return el('li', {dataset: {question: q.id, correct: right === undefined ? 'none' : String(right)}},
        q.text, ': the run says ', el('strong', {}, step.truth[q.id] ?? '–'), '; you said ', mine ?? '–',
        right === undefined ? '' : right ? ' ✓ right' : ' ✗ wrong');
    }))
    : []);
}

/** What every room message carries: no request needed (a room of hundreds gets several a second). */
function live(r) {
  lastRoom = r;
  const step = r.step;
  $('ws-poll').textContent = !step ? ''
    : r.pollOpen ? 'Answering is open' + (step.round > 1 ? ' (round ' + step.round + ': vote again)' : '') + ': make your predictions.' + timer(r.pollClosesAt)
      : step.revealed ? 'Revealed.' : 'Answering is closed.';
  $('ws-progress').textContent = step && step.run ? progress(step.run) : '';
  $('ws-leaderboard-box').hidden = !r.leaderboard || !r.standings.length;
  leaderboard($('ws-leaderboard'), r.standings);
  if (me) showQueue(r, myRuns);
}

function enter() {
  joinForm.hidden = true;
  $('ws-room').hidden = false;
  call = api(seat.participantToken);
  render();
  // Answers and joins change only the instructor's counts: nothing to fetch for those.
  // Progress of the shared run and hands raised are in the message itself.
  let shown = null;
  let shownMine = null;
  followRoom(seat.workshopId, seat.participantToken, (room) => {
    live(room);
    // My own runs: how many wait, whether one runs (a run ending or starting needs my state).
    const mine = room.queue.filter((p) => p === me).length + ':' + room.running.includes(me);
    const key = [room.focus, room.pollOpen, room.step?.round, room.step?.sharedRunId, room.step?.revealed, room.pacing].join('|');
    if (key !== shown || mine !== shownMine) {
      shown = key;
      shownMine = mine;
      render();
    }
  }, (s) => { $('conn').textContent = s; });
  // The answering timer counts down between messages.
  setInterval(() => { if (lastRoom && lastRoom.pollClosesAt) live(lastRoom); }, 1000);
}

if (seat) enter();
else joinForm.hidden = false;
