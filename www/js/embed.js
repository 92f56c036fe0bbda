// @ts-check
// Embedding: `?embed=1` shows one experiment with minimal chrome for an <iframe> (640×480 is
// the size it is designed for), `hide=` hides parts, `autostart=1` starts it by itself, and a
// host page drives it with postMessage. Everything here is page-only (not part of a run's
// settings); the URL parameters are checked one by one like every other.
//
// The postMessage API (documented in the README, "Embedding"). Every message is an object with
// `depthlab: 1` and a `type`.
//   host → page: {type: 'start'} (the open lesson, else a run with the form's settings),
//     {type: 'pause'} (pause or resume the selected run), {type: 'reset'},
//     {type: 'lesson', id} (open a lesson; `start` runs it), {type: 'config', settings: {key: value…}}
//     (settings as the URL writes them; each one refused by itself with an `error` event).
//   page → host: {type: 'ready'}, {type: 'progress', runId, step, totalSteps, loss} (at most
//     PROGRESS_EVERY_MS apart per run), {type: 'epoch', runId, epoch, testAccuracy, testLoss},
//     {type: 'done', runId, status, steps, testAccuracy, finalLoss}, {type: 'error', message}.
// Commands are taken only from the parent window and from the origin `host=` names (default: the
// page's own origin); events are posted to that origin only.

/** Parts of the page that `hide=` can hide, and what each covers. */
export const EMBED_PARTS = Object.freeze({
  settings: ['#controls'],
  runs: ['#runsPanel'],
  status: ['#status', '#progress'],
  charts: ['.charts'],
  inside: ['#inside', '#featuresBox', '#testBox', '#archBox', '#costDetails'],
  lesson: ['#lessons'],
});
/** Least time between two progress events of one run. */
export const PROGRESS_EVERY_MS = 250;

/**
 * The embed options in `query`, with a message for each bad parameter (the words come from the
 * page's language).
 * @param {URLSearchParams} query
 * @param {{embedParam: (key: string, value: string, allowed: string) => string}} msg
 */
export function embedOptions(query, msg) {
  /** @type {string[]} */ const errors = [];
  const flag = (/** @type {string} */ key) => {
    const v = query.get(key);
    if (v === null) return false;
    if (v === '1' || v === 'true') return true;
    if (v !== '0' && v !== 'false') errors.push(msg.embedParam(key, v.slice(0, 40), '1, 0, true, false'));
    return false;
  };
  const on = flag('embed');
  const autostart = flag('autostart');
  /** @type {Set<string>} */ const hide = new Set();
  for (const part of (query.get('hide') ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part in EMBED_PARTS) hide.add(part);
    else errors.push(msg.embedParam('hide', part.slice(0, 40), Object.keys(EMBED_PARTS).join(', ')));
  }
  let host = location.origin;
  const h = query.get('host');
  if (h !== null) {
    let origin = null;
    try {
      const u = new URL(h);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && u.origin === h.replace(/\/$/, '')) origin = u.origin;
    } catch { /* refused below */ }
    if (origin) host = origin;
    else errors.push(msg.embedParam('host', h.slice(0, 60), 'an origin such as https://course.example.org'));
  }
  return { on, autostart, hide, host, errors };
}

/** The embed parameters to keep in the page's own links (only those given and valid). */
export function embedQuery(/** @type {ReturnType<typeof embedOptions>} */ o) {
  const q = [];
  if (o.on) q.push('embed=1');
  if (o.hide.size) q.push(`hide=${[...o.hide].join(',')}`);
  if (o.autostart) q.push('autostart=1');
  if (o.host !== location.origin) q.push(`host=${encodeURIComponent(o.host)}`);
  return q;
}

/** Applies the chrome: a class on <body> and the hidden parts. */
export function applyEmbed(/** @type {ReturnType<typeof embedOptions>} */ o) {
  if (!o.on) return;
  document.body.classList.add('embed');
  for (const part of o.hide) for (const sel of EMBED_PARTS[/** @type {keyof typeof EMBED_PARTS} */ (part)]) {
    for (const e of document.querySelectorAll(sel)) /** @type {HTMLElement} */ (e).hidden = true;
  }
}

/**
 * @typedef {{start: () => void, pause: () => void, reset: () => void, lesson: (id: string) => string | null,
 *   config: (settings: Record<string, unknown>) => string[]}} Commands each returns what went wrong (null/[]: nothing)
 */

/**
 * Connects the page to its host: takes commands, posts events about `store`'s runs.
 * @param {ReturnType<typeof embedOptions>} o
 * @param {Commands} commands
 * @param {import('./lab/runs.js').RunsStore} store
 * @param {{badCommand: (what: string) => string}} msg
 */
export function connectHost(o, commands, store, msg) {
  if (window.parent === window) return { post: () => {} };
  const post = (/** @type {Record<string, unknown>} */ event) => window.parent.postMessage({ depthlab: 1, ...event }, o.host);
  window.addEventListener('message', (e) => {
    if (e.source !== window.parent || e.origin !== o.host) return; // not our host: ignored
    const m = e.data;
    if (!m || typeof m !== 'object' || m.depthlab !== 1 || typeof m.type !== 'string') return;
    /** @type {string[]} */ let problems = [];
    switch (m.type) {
      case 'start': commands.start(); break;
      case 'pause': commands.pause(); break;
      case 'reset': commands.reset(); break;
      case 'lesson': {
        const p = typeof m.id === 'string' ? commands.lesson(m.id) : msg.badCommand('lesson: id must be a string');
        if (p) problems.push(p);
        break;
      }
      case 'config':
        problems = m.settings && typeof m.settings === 'object' && !Array.isArray(m.settings) ? commands.config(m.settings) : [msg.badCommand('config: settings must be an object')];
        break;
      default: problems.push(msg.badCommand(String(m.type).slice(0, 40)));
    }
    for (const p of problems) post({ type: 'error', message: p });
  });
  /** Per run: what was last told. */
  /** @type {Map<number, {at: number, tests: number, status: string}>} */
  const told = new Map();
  store.subscribe((changed) => {
    for (const r of changed ? [changed] : store.list()) {
      const t = told.get(r.id) ?? { at: 0, tests: 0, status: r.status };
      told.set(r.id, t);
      const m = r.metrics;
      const now = performance.now();
      if (m.count && now - t.at >= PROGRESS_EVERY_MS && (r.status === 'running' || r.status === 'starting')) {
        t.at = now;
        post({ type: 'progress', runId: r.id, step: m.count, totalSteps: r.totalSteps, loss: m.smoothLoss.at(-1) ?? null });
      }
      while (t.tests < m.tests.length) {
        const e = m.tests[t.tests++];
        post({ type: 'epoch', runId: r.id, epoch: e.epoch, testAccuracy: e.accuracy, testLoss: e.loss });
      }
      if (r.status !== t.status) {
        t.status = r.status;
        if (r.status === 'done' || r.status === 'stopped') post({ type: 'done', runId: r.id, status: r.status, steps: m.count, testAccuracy: m.tests.at(-1)?.accuracy ?? null, finalLoss: m.smoothLoss.at(-1) ?? null });
        if (r.status === 'failed') post({ type: 'error', runId: r.id, message: r.message });
      }
    }
  });
  return { post };
}
