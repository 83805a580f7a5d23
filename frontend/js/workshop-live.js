// A workshop room over STOMP: the token goes in the CONNECT frame; subscribe to the room's topic,
// then ask /app/workshops/{id} for the current room. Every message is the whole room; the one with
// the highest seq wins (a snapshot answer may arrive after a newer topic message).
import {Client} from '/webjars/stomp__stompjs/esm6/index.js';
import {el, fetchJson, fill} from './util.js';

export function api(token) {
  return (url, options = {}) => fetchJson(url, {...options, headers: {authorization: 'Bearer ' + token, ...options.headers}});
}

export function followRoom(workshopId, token, onRoom, onState) {
  let best = -1;
  const accept = (message) => {
    const room = JSON.parse(message.body);
    if (room.seq >= best) {
      best = room.seq;
      onRoom(room);
    }
  };
  const client = new Client({
    brokerURL: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws',
    connectHeaders: {Authorization: 'Bearer ' + token},
    reconnectDelay: 1000,
    debug: () => {},
  });
  client.onConnect = () => {
    // seq counts from the lab's start: after a reconnect (the lab may have restarted) start over.
    best = -1;
    onState('live');
    client.subscribe('/topic/workshops/' + workshopId, accept);
    client.subscribe('/app/workshops/' + workshopId, accept);
  };
  client.onWebSocketClose = () => onState('reconnecting');
  client.onStompError = () => onState('refused');
  client.activate();
  window.breaklab = {workshop: client};
  return client;
}

export function showError(box, error) {
  box.hidden = !error;
  box.textContent = error ? (error.problem?.detail || error.message) : '';
}

/** One bar per answer: count and share of the answers given. */
export function histogram(question, counts, truth) {
  const total = Object.values(counts || {}).reduce((a, b) => a + b, 0);
  const rows = Object.entries(counts || {}).map(([answer, n]) => {
    const share = total ? Math.round((100 * n) / total) : 0;
    const right = truth !== undefined && truth !== null && String(truth).toLowerCase() === String(answer).toLowerCase();
    return el('li', {class: right ? 'truth' : null, dataset: {answer}},
      el('span', {class: 'answer'}, answer), ' ',
      el('span', {class: 'bar', style: `display:inline-block;background:#4a7bd0;height:0.8em;width:${share * 2}px`}), ' ',
      el('span', {class: 'count'}, String(n)), right ? ' ✓ the run says so' : '');
  });
  return el('div', {class: 'histogram', dataset: {question: question.id}},
    el('h3', {}, question.text), el('ul', {class: 'plain'}, rows.length ? rows : el('li', {class: 'muted'}, 'no answers yet')));
}

/** The shared run in one line, from the room's compact progress. */
export function progress(run) {
  const tasks = run.tasks ? ' · tasks ' + run.tasksDone + ' of ' + run.tasks : '';
  const stages = run.stages ? ' · stages ' + run.stagesRun + ' of ' + run.stages : '';
  const time = run.durationMs != null ? ' · ' + (run.durationMs / 1000).toFixed(1) + ' s' : '';
  return 'Shared run: ' + run.status.toLowerCase() + stages + tasks + time + (run.error ? ' · ' + run.error : '');
}

/** " Closes in 42 s." while a timer runs. */
export function timer(closesAt) {
  if (!closesAt) return '';
  const left = Math.max(0, Math.round((Date.parse(closesAt) - Date.now()) / 1000));
  return ' Closes in ' + left + ' s.';
}

/** The leaderboard: names as text, never markup. */
export function leaderboard(list, standings) {
  fill(list, (standings || []).map((s) => el('li', {}, el('span', {class: 'name'}, s.name), ' · ' + s.correct + ' right')));
}
