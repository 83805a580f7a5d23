// Which catalog lesson teaches a finding (GET /api/findings/lessons, from each experiment's primary
// finding): "this is what skewed-join shows: run it".
import {el} from './util.js';

let cache = null;

export async function lessonLinks() {
  if (!cache) {
    cache = fetch('/api/findings/lessons', {headers: {accept: 'application/json'}})
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}));
  }
  const byKind = await cache;
  return {
    /** "This is what <lesson> shows: run it", or null; except: the experiment the page already is about. */
    link(kind, except) {
      const lessons = (byKind[kind] || []).filter((l) => l.id !== except);
      if (!lessons.length) return null;
      const first = lessons[0];
      return el('span', {class: 'lesson-link', 'data-lesson': first.id},
        'This is what ', el('a', {href: '/experiments/' + encodeURIComponent(first.id) + '?variant=broken'}, first.id),
        ' shows: run it',
        lessons.length > 1 ? el('span', {class: 'muted'}, ' (also ', lessons.slice(1).map((l) => l.id).join(', '), ')') : null);
    },
  };
}
