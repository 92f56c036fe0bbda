// @ts-check
// Which wasm build the trainer workers run, chosen once at load (the builds: xtask/src/variants.rs).
// - Threads: the threaded builds need SharedArrayBuffer, which browsers give only to a
//   cross-origin-isolated page (the server sends Cross-Origin-Opener-Policy: same-origin and
//   Cross-Origin-Embedder-Policy: require-corp, or the service worker adds them).
// - Fused multiply-add: the -fma builds' GEMM uses f32x4.relaxed_madd; they are chosen only where
//   a probe shows this browser fuses it (rounds once), so a run's bits are the CLI's with --fma.
// Otherwise the plain single-thread build runs, and the page says why. Thread counts never
// change bits; fused and separate multiply-adds do (fma=0/1 in a link keeps the arithmetic).

/** File stems of the builds, beside the page (one place; xtask/src/variants.rs writes them). */
export const STEMS = Object.freeze({ plain: 'depthlab-wasm', fma: 'depthlab-wasm-fma', mt: 'depthlab-wasm-mt', mtFma: 'depthlab-wasm-mt-fma' });
/** A build's glue URL. */
export const glueUrl = (/** @type {string} */ stem) => new URL(`../../${stem}.js`, import.meta.url).href;
const wasmUrl = (/** @type {string} */ stem) => new URL(`../../${stem}_bg.wasm`, import.meta.url);

/**
 * Why threads are (not) used: 'isolated' (threaded), 'param' (threads=1), 'notIsolated' (no
 * COOP/COEP), 'missing' (the chosen build did not load). Why multiply-adds are (not) fused:
 * 'fused', 'param' (fma=0), 'unavailable' (no relaxed SIMD, or it does not fuse here).
 * @typedef {'isolated' | 'param' | 'notIsolated' | 'missing'} BuildReason
 * @typedef {'fused' | 'param' | 'unavailable'} FmaReason
 * @typedef {{threaded: boolean, fma: boolean, reason: BuildReason, fmaReason: FmaReason, stem: string,
 *   module: WebAssembly.Module | null, glue: string | null, detail: string}} Build
 */

/**
 * Whether `f32x4.relaxed_madd` exists here and rounds once: a 62-byte module computes
 * (1 + 2⁻¹²)² − (1 + 2⁻¹¹), which is 2⁻²⁴ fused and 0 when multiplied and added separately.
 */
export function fusedMaddAvailable() {
  const lanes = (/** @type {number} */ bits) => Array.from({ length: 16 }, (_, i) => (bits >>> (8 * (i % 4))) & 255);
  const konst = (/** @type {number} */ bits) => [0xfd, 0x0c, ...lanes(bits)];
  // v128.const a, b, c; f32x4.relaxed_madd (0xfd 0x105); f32x4.extract_lane 0; end
  const body = [0x00, ...konst(0x3f800800), ...konst(0x3f800800), ...konst(0xbf801000), 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d, // type: [] -> [f32]
    0x03, 0x02, 0x01, 0x00, // function 0 of type 0
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
    0x0a, body.length + 2, 0x01, body.length, ...body, // code
  ]);
  try {
    if (!WebAssembly.validate(bytes)) return false;
    const f = /** @type {() => number} */ (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f);
    return f() !== 0;
  } catch {
    return false;
  }
}

/**
 * Picks the build. `cap`: the URL's threads= (null: none; 1 keeps a single-thread build);
 * `fma`: the URL's fma= (null: fused where available; false: never; true: where available).
 * @param {number | null} cap
 * @param {boolean | null} fma
 * @returns {Promise<Build>}
 */
export async function pickBuild(cap, fma) {
  const fused = fma !== false && fusedMaddAvailable();
  /** @type {FmaReason} */ const fmaReason = fused ? 'fused' : fma === false ? 'param' : 'unavailable';
  /** @type {BuildReason} */ const reason = cap === 1 ? 'param' : globalThis.crossOriginIsolated ? 'isolated' : 'notIsolated';
  const threaded = reason === 'isolated';
  const stem = threaded ? (fused ? STEMS.mtFma : STEMS.mt) : fused ? STEMS.fma : STEMS.plain;
  const plain = { threaded: false, fma: false, reason, fmaReason, stem: STEMS.plain, module: null, glue: null, detail: '' };
  if (stem === STEMS.plain) return plain;
  try {
    const module = await WebAssembly.compileStreaming(fetch(wasmUrl(stem)));
    return { threaded, fma: fused, reason, fmaReason, stem, module, glue: glueUrl(stem), detail: '' };
  } catch (e) {
    return { ...plain, reason: 'missing', detail: `${stem}: ${String(/** @type {Error} */ (e)?.message ?? e)}` };
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
