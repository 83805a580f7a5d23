// Create a workshop: POST /api/workshops, then open the console (its token rides in the fragment).
import {fetchJson} from './util.js';
import {showError} from './workshop-live.js';

const form = document.getElementById('workshop-form');
const error = document.getElementById('ws-error');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const experiments = [...form.querySelectorAll('input[name=experiments]:checked')].map((i) => i.value);
  try {
    const created = await fetchJson('/api/workshops', {
      method: 'POST',
      body: JSON.stringify({
        title: form.title.value, experiments, pacing: form.pacing.value,
        leaderboard: form.leaderboard.checked, capacity: Number(form.capacity.value) || null,
        queries: form.query.value.trim()
          ? [{sql: form.query.value.trim(), conf: {'spark.sql.adaptive.enabled': String(form.queryAqe.checked)}}] : [],
      }),
    });
    localStorage.setItem('breaklab.instructor.' + created.id, created.instructorToken);
    location.href = '/workshops/' + encodeURIComponent(created.id) + '/console';
  } catch (e) {
    showError(error, e);
  }
});
