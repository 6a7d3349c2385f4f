// DOM and formatting helpers of the dashboard page. Text from the store is always set as text,
// never parsed as HTML.

/** h('a', { href: '#/' , class: 'x' }, 'text', child…): an element; null/false children are skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the children of `el`; null/false children are skipped (as in h). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export async function getJson(url) {
  const res = await fetch(url, { cache: 'no-store' });
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export const enc = encodeURIComponent;

export function fmt(x, digits = 3) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export const STATES = ['finished', 'running', 'failed', 'damaged', 'pending'];

/** A state badge: `finished`, `running step 400/900 · ETA 3m`, … */
export function badge(state, text) {
  return h('span', { class: `badge ${state}` }, text ?? state);
}

/** The counts of an experiment as a row of badges. */
export function countBadges(counts) {
  return h('span', { class: 'counts' }, STATES.filter((s) => counts[s]).map((s) => badge(s, `${counts[s]} ${s}`)));
}

/** What a running trial shows: its saved step (`checkpoint at step N/M`), planned steps and remaining time when known. */
export function runningText(r) {
  const parts = [];
  if (r.step !== undefined) parts.push(`checkpoint at step ${r.step}${r.plannedSteps ? `/${r.plannedSteps}` : ''}`);
  else parts.push(`started ${r.startedAt ? new Date(r.startedAt).toLocaleTimeString() : ''}${r.plannedSteps ? `, ${r.plannedSteps} steps` : ''}`);
  if (r.etaSeconds !== undefined) parts.push(`ETA ~${duration(r.etaSeconds)}`);
  return parts.join(' · ');
}
