// A run's links out: its jobs in the Spark History Server (when lab.history-server.url is set and
// the run ran in the lab's current Spark application) and its own Spark event log to download.
export function eventLogLinks(s, engine) {
  const finished = !['QUEUED', 'RUNNING'].includes(s.status);
  const download = document.getElementById('event-log');
  if (download) {
    download.hidden = !finished || s.source === 'import' || !s.jobs?.length;
    download.href = `/api/runs/${encodeURIComponent(s.id)}/eventlog`;
  }
  const hs = document.getElementById('history-server');
  if (!hs) return;
  const current = engine?.applicationStartTime && Date.parse(s.submittedAt) >= Date.parse(engine.applicationStartTime);
  if (!engine?.historyServerUrl || s.source === 'import' || !current || !s.jobs?.length) {
    hs.hidden = true;
    return;
  }
  const ids = s.jobs.map((j) => j.jobId);
  const app = `${engine.historyServerUrl}/history/${encodeURIComponent(engine.applicationId)}`;
  hs.hidden = false;
  hs.href = ids.length === 1 ? `${app}/jobs/job/?id=${ids[0]}` : `${app}/jobs/`;
  hs.textContent = ids.length === 1 ? `History Server: job ${ids[0]}` : `History Server: jobs ${ids[0]}–${ids[ids.length - 1]}`;
}
