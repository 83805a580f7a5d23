// Small helpers shared by every page: DOM building, number formatting, JSON over HTTP.

/** Builds an element: el('td', {class: 'num', title: 'x'}, 'text', otherNode). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 1 : 0)) + ' ' + units[i];
}

export function ms(n) {
  if (n === null || n === undefined) return '–';
  const v = Number(n);
  if (Math.abs(v) < 1000) return v.toFixed(0) + ' ms';
  if (Math.abs(v) < 60000) return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' s';
  const m = Math.floor(v / 60000);
  return m + ' min ' + Math.round((v % 60000) / 1000) + ' s';
}

export function count(n) {
  if (n === null || n === undefined) return '–';
  return Number(n).toLocaleString('en-US');
}

export function time(iso) {
  if (!iso) return '–';
  return new Date(iso).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

/** The server's b / a ratio of a figure in two runs (a RunComparison Delta) as "×12", "÷3", "new" or "→ 0". */
export function times(delta) {
  if (!delta || (!delta.a && !delta.b)) return '';
  const r = delta.ratio;
  if (r === null || r === undefined) return 'new';
  if (r === 0) return '→ 0';
  if (r >= 1) return '×' + (r >= 10 ? r.toFixed(0) : r.toFixed(1));
  return '÷' + (1 / r >= 10 ? (1 / r).toFixed(0) : (1 / r).toFixed(1));
}

export const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

/** Fetches JSON; a problem+json answer is thrown as an Error with the problem attached. */
export async function fetchJson(url, options = {}) {
  const response = await fetch(url, {
    ...options,
    headers: {accept: 'application/json', ...(options.body ? {'content-type': 'application/json'} : {}), ...options.headers},
  });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error((body && body.detail) || response.statusText || 'request failed');
    error.status = response.status;
    error.problem = typeof body === 'object' ? body : null;
    throw error;
  }
  return body;
}

/** Fetches text (a snippet); a problem+json answer is thrown as an Error with the problem attached. */
export async function fetchText(url) {
  const response = await fetch(url, {headers: {accept: 'text/plain, application/problem+json'}});
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    const error = new Error(problem?.detail || response.statusText || 'request failed');
    error.status = response.status;
    error.problem = problem;
    throw error;
  }
  return response.text();
}

/**
 * A "Copy as snippet" button: fetches the snippet from url when pressed, puts it on the clipboard,
 * says so in status and shows it in output (a <pre>, as text) so it can also be selected by hand.
 */
export function snippetButton(label, url, {status, output}) {
  return el('button', {type: 'button', class: 'copy-snippet', onclick: async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    status.textContent = 'Fetching the snippet…';
    try {
      const text = await fetchText(url);
      output.textContent = text;
      output.closest('details').hidden = false;
      output.closest('details').open = true;
      // No clipboard outside a secure context, or without the page's focus: the text is shown anyway.
      const copied = navigator.clipboard ? await navigator.clipboard.writeText(text).then(() => true, () => false) : false;
      status.textContent = copied ? `Copied ${text.split('\n').length} lines to the clipboard.` : 'The browser refused the clipboard: select the snippet below and copy it.';
    } catch (err) {
      status.textContent = 'No snippet: ' + err.message;
    } finally {
      button.disabled = false;
    }
  }}, label);
}

/** Calls render at most once per animation frame with the latest value: no jank while streaming. */
export function frameScheduler(render) {
  let pending = null;
  let scheduled = false;
  return (value) => {
    pending = value;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const v = pending;
      pending = null;
      render(v);
    });
  };
}

export function statusBadge(status) {
  return el('span', {class: 'status status-' + String(status).toLowerCase()}, String(status).replace('_', ' '));
}

/** Replaces a node's children, skipping null/false (native replaceChildren would print "null"). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}
