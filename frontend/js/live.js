// Live run data over STOMP (/ws): subscribe to the run's topic first, then ask /app/runs/{id} for the
// current snapshot; topic messages that arrive before the answer are kept and replayed if newer. A
// gap in seq means a message was lost: resync from a fresh snapshot. A dropped socket reconnects and
// resyncs the same way. Where the socket cannot be opened at all, the REST API is polled instead so
// the page still moves.
import {Client} from '/webjars/stomp__stompjs/esm6/index.js';
import {fetchJson, FINISHED} from './util.js';

function socketUrl() {
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

/** One shared STOMP connection per page; listeners re-subscribe after every (re)connect. */
class Connection {
  constructor() {
    this.subscribers = new Set();
    this.onState = new Set();
    this.connected = false;
    this.failures = 0;
    this.client = new Client({
      brokerURL: socketUrl(),
      reconnectDelay: 1000,
      heartbeatIncoming: 10000,
      heartbeatOutgoing: 10000,
      debug: () => {},
    });
    this.client.onConnect = () => {
      this.connected = true;
      this.failures = 0;
      this.emit('live');
      for (const s of this.subscribers) s.attach(this.client);
    };
    this.client.onWebSocketClose = () => {
      const was = this.connected;
      this.connected = false;
      this.failures++;
      // The socket is gone, and its subscriptions with it: nothing to unsubscribe.
      for (const s of this.subscribers) s.detach(false);
      this.emit(was ? 'reconnecting' : 'offline');
    };
    this.client.onStompError = () => this.emit('reconnecting');
    this.client.activate();
    // A handle for debugging and for the browser tests, which drop the socket on purpose.
    window.breaklab = {connection: this};
  }

  emit(state) {
    for (const listener of this.onState) listener(state, this.failures);
  }

  add(subscriber) {
    this.subscribers.add(subscriber);
    if (this.connected) subscriber.attach(this.client);
  }

  remove(subscriber) {
    this.subscribers.delete(subscriber);
    subscriber.detach();
  }
}

let shared = null;
export function connection() {
  if (!shared) shared = new Connection();
  return shared;
}

/**
 * Follows one run. onSnapshot(snapshot, seq) is called with every newer snapshot; onState('live' |
 * 'reconnecting' | 'polling' | 'resync') reports the connection for the page's indicator.
 */
export class RunFeed {
  constructor(runId, {onSnapshot, onState = () => {}, initial = null}) {
    this.runId = runId;
    this.onSnapshot = onSnapshot;
    this.onState = onState;
    this.seq = -1;
    this.finished = false;
    this.subs = [];
    this.buffer = null;
    this.pollTimer = null;
    this.resyncs = 0; // snapshots asked for: on every (re)connect and after every gap
    if (initial) this.accept(0, initial);
    this.conn = connection();
    this.stateListener = (state, failures) => {
      if (state === 'live') {
        this.stopPolling();
        this.onState('live');
      } else {
        this.onState(state);
        // The socket is down: keep the page moving over REST until it is back.
        if (failures >= 1 && !this.finished) this.startPolling();
      }
    };
    this.conn.onState.add(this.stateListener);
    this.conn.add(this);
  }

  attach(client) {
    this.detach();
    this.buffer = [];
    this.resyncs++;
    const topic = client.subscribe('/topic/runs/' + this.runId, (frame) => this.onTopic(JSON.parse(frame.body)));
    const answer = client.subscribe('/app/runs/' + this.runId, (frame) => this.onAnswer(JSON.parse(frame.body)));
    this.subs = [topic, answer];
  }

  detach(unsubscribe = true) {
    for (const s of unsubscribe ? this.subs : []) {
      try {
        s.unsubscribe();
      } catch (ignored) {
        // the socket is already gone
      }
    }
    this.subs = [];
  }

  onAnswer(message) {
    if (message.snapshot) this.accept(message.seq, message.snapshot, true);
    const buffered = this.buffer || [];
    this.buffer = null;
    for (const m of buffered) this.onTopic(m);
  }

  onTopic(message) {
    if (this.buffer) {
      this.buffer.push(message);
      return;
    }
    if (message.seq <= this.seq) return;
    if (this.seq > 0 && message.seq > this.seq + 1) {
      // Lost at least one message: take this one, but ask for the authoritative state too.
      this.resync();
    }
    this.accept(message.seq, message.snapshot);
  }

  /** Asks for the current snapshot again (after a gap). */
  resync() {
    this.resyncs++;
    this.onState('resync');
    const client = this.conn.client;
    if (!this.conn.connected) return;
    this.buffer = [];
    const sub = client.subscribe('/app/runs/' + this.runId, (frame) => {
      this.onAnswer(JSON.parse(frame.body));
      this.onState('live');
    });
    this.subs.push(sub);
  }

  accept(seq, snapshot, authoritative = false) {
    if (!snapshot) return;
    if (!authoritative && seq <= this.seq) return;
    this.seq = Math.max(this.seq, seq);
    this.finished = FINISHED.has(snapshot.status) && (snapshot.evidence?.length > 0 || snapshot.status !== 'SUCCEEDED');
    this.onSnapshot(snapshot, seq);
    if (this.finished) this.stopPolling();
  }

  startPolling() {
    if (this.pollTimer) return;
    this.onState('polling');
    const poll = async () => {
      try {
        const snapshot = await fetchJson('/api/runs/' + encodeURIComponent(this.runId));
        this.onSnapshot(snapshot, this.seq);
        if (FINISHED.has(snapshot.status) && (snapshot.evidence?.length || snapshot.status !== 'SUCCEEDED')) {
          this.finished = true;
          this.stopPolling();
        }
      } catch (e) {
        // transient; try again on the next tick
      }
    };
    poll();
    this.pollTimer = setInterval(poll, 500);
  }

  stopPolling() {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  close() {
    this.stopPolling();
    this.conn.onState.delete(this.stateListener);
    this.conn.remove(this);
  }
}

/** Follows /topic/runs: every run's creation and status changes. */
export class RunsFeed {
  constructor(onRun, onState = () => {}) {
    this.onRun = onRun;
    this.subs = [];
    this.conn = connection();
    this.conn.onState.add((state) => onState(state));
    this.conn.add(this);
  }

  attach(client) {
    this.detach();
    this.subs = [client.subscribe('/topic/runs', (frame) => this.onRun(JSON.parse(frame.body)))];
    // Anything announced while we were away: the list is refreshed from REST on every connect.
    this.onRun(null);
  }

  detach(unsubscribe = true) {
    for (const s of unsubscribe ? this.subs : []) {
      try {
        s.unsubscribe();
      } catch (ignored) {
        // the socket is already gone
      }
    }
    this.subs = [];
  }
}
