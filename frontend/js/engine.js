// Switching the engine's mode (PUT /api/engine, the lab's own user only), with its progress: the
// switch answers at once and GET /api/engine shows it go from switching (runs on the old session
// end, it stops) to starting (the new session, and a local cluster's processes) to running.
import {fetchJson} from './util.js';

const STEPS = {
  switching: 'waiting for running runs, then stopping the old engine',
  starting: 'starting the new engine',
};

/**
 * Switches to `mode`, calling `progress(text)` as it goes; resolves with the engine once it runs
 * in that mode, rejects with the lab's problem (a 409 says why) or when the new engine failed.
 */
export async function switchEngine(mode, progress = () => {}) {
  progress(`Switching to ${mode}…`);
  let engine = await fetchJson('/api/engine', {method: 'PUT', body: JSON.stringify({mode})});
  for (;;) {
    if (engine.state === 'running' && engine.mode === mode) return engine;
    if (engine.state === 'failed') throw new Error(`The ${mode} engine did not start: ${engine.error || 'see the lab\'s log'}`);
    progress(`Switching to ${mode}: ${STEPS[engine.state] || engine.state}…`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    engine = await fetchJson('/api/engine');
  }
}
