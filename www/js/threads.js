// @ts-check
// Which wasm build the trainer workers run, chosen once at load. The threaded build
// (depthlab-wasm-mt, `cargo xtask wasm-mt`) needs SharedArrayBuffer, which browsers give only to
// a cross-origin-isolated page (the server sends Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, or the service worker adds them). Otherwise the
// single-thread build runs, and the page says why. Both give the same bits for a seed.

/** The threaded build's glue, next to the single-thread one (file stem: xtask/src/threads.rs). */
export const THREADED_GLUE = new URL('../../depthlab-wasm-mt.js', import.meta.url).href;
const THREADED_WASM = new URL('../../depthlab-wasm-mt_bg.wasm', import.meta.url);

/**
 * Why a build was chosen: 'isolated' (threaded), 'param' (threads=1 in the URL: the single-thread
 * build), 'notIsolated' (no COOP/COEP), 'missing' (the threaded module did not load).
 * @typedef {'isolated' | 'param' | 'notIsolated' | 'missing'} BuildReason
 * @typedef {{threaded: boolean, reason: BuildReason, module: WebAssembly.Module | null, glue: string | null, detail: string}} Build
 */

/**
 * Picks the build. `cap` is the URL's threads= (null: none); 1 keeps the single-thread build.
 * @param {number | null} cap
 * @returns {Promise<Build>}
 */
export async function pickBuild(cap) {
  if (cap === 1) return { threaded: false, reason: 'param', module: null, glue: null, detail: '' };
  if (!globalThis.crossOriginIsolated) return { threaded: false, reason: 'notIsolated', module: null, glue: null, detail: '' };
  try {
    const module = await WebAssembly.compileStreaming(fetch(THREADED_WASM));
    return { threaded: true, reason: 'isolated', module, glue: THREADED_GLUE, detail: '' };
  } catch (e) {
    return { threaded: false, reason: 'missing', module: null, glue: null, detail: String(/** @type {Error} */ (e)?.message ?? e) };
  }
}

/**
 * Threads each busy run gets: the cores shared among the runs training at once (at least one
 * each, never more busy threads than cores when runs ≤ cores), capped by threads= and the build.
 * @param {number} cores
 * @param {number} busy runs training now
 * @param {number} cap
 */
export function threadsPerRun(cores, busy, cap) {
  return Math.max(1, Math.min(cap, Math.floor(cores / Math.max(1, busy))));
}

/** Whether a service worker controls this page, so reloading could give it the isolation headers. */
export function serviceWorkerCanIsolate() {
  return !globalThis.crossOriginIsolated && !!navigator.serviceWorker?.controller && window.isSecureContext;
}
