// @ts-check
// The benchmark worker: times kernels and training steps in one worker and posts one result
// object. Figures only; nothing here passes or fails. ?build=STEM picks the wasm build
// (www/js/threads.js STEMS; default the plain one). A threaded build (the page must be
// cross-origin isolated) also times the training steps on every core (helpers from
// helpers.js), interleaved with one thread, in this same worker, same weights and digits.
// ?only=resnet20 times nothing but ResNet-20's steps on one thread (PROBE_STEPS of them),
// starting at the clock time &at= (epoch ms) if given: the benchmark runs it in one worker,
// then in two at once, to measure what the machine gives two independent single-thread runs
// at that moment (tests/e2e/bench.mjs, "two-core ceiling").
import * as plain from '../../../depthlab-wasm.js';
import { startHelpers } from './helpers.js';
import { STEMS, glueUrl } from '../threads.js';

/** Repeats `fn(reps)` with growing reps until one run takes ≥ `minMs`; returns ms per rep. */
function time(/** @type {(reps: number) => void} */ fn, minMs = 400) {
  fn(1); // warm-up (and JIT tier-up)
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    fn(reps);
    const dt = performance.now() - t0;
    if (dt >= minMs) return dt / reps;
    reps *= 2;
  }
}

async function bytes(/** @type {string} */ url) {
  const r = await fetch(new URL(url, import.meta.url));
  return new Uint8Array(await r.arrayBuffer());
}

/** Samples per second of `steps` training steps (after two warm-up steps) of `t`. */
function trainRate(/** @type {{trainStep: (x: Float32Array, y: Uint8Array) => unknown}} */ t, /** @type {{images: Float32Array, labels: Uint8Array}} */ d, /** @type {number} */ steps) {
  t.trainStep(d.images, d.labels);
  t.trainStep(d.images, d.labels);
  const s0 = performance.now();
  for (let i = 0; i < steps; i++) t.trainStep(d.images, d.labels);
  return Math.round((steps * 64 * 1000) / (performance.now() - s0));
}

const params = new URL(self.location.href).searchParams;
const stem = params.get('build') ?? STEMS.plain;
const only = params.get('only');
/** Steps of the `?only=resnet20` probe (after two warm-up steps): about 3 s on one thread. */
const PROBE_STEPS = 12;
/** @type {typeof import('../../../depthlab-wasm.js')} */
const glue = stem === STEMS.plain ? plain : await import(glueUrl(stem));
const t0 = performance.now();
const module = await WebAssembly.compileStreaming(fetch(new URL(`../../../${stem}_bg.wasm`, import.meta.url)));
const wasm = await glue.default({ module_or_path: module });
/** @type {Record<string, unknown>} */
const out = { build: stem, simd: glue.simdBackend(), init_ms: Math.round(performance.now() - t0) };
const set = glue.DigitSet.fromIdx(await bytes('../../data/train-images-idx3-ubyte.gz'), await bytes('../../data/train-labels-idx1-ubyte.gz'));
const d = { images: set.imagesF32().subarray(0, 64 * 784), labels: set.labels().subarray(0, 64) };
const at = Number(params.get('at') ?? 0);
if (only === 'resnet20' && Number.isFinite(at)) {
  if (glue.threadsSupported()) glue.setThreads(1);
  const t = new glue.Trainer({ model: { preset: 'resnet', depth: 20 }, seed: 1, batch_size: 64 });
  out.late_ms = Math.max(0, Date.now() - at); // > 0: the start time had passed before this was ready
  while (Date.now() < at) await new Promise((r) => setTimeout(r, Math.min(50, at - Date.now())));
  out.resnet20_train_samples_per_sec = trainRate(t, d, PROBE_STEPS);
  t.free();
} else if (only === 'resnet20') {
  out.error = `&at=${params.get('at')}: not a clock time (milliseconds since 1970)`;
} else if (only !== null) {
  out.error = `?only=${only}: no such benchmark (the one there is: ?only=resnet20)`;
} else {
  await allBenchmarks();
}
self.postMessage(out);

/** Every figure listed at the top of this file. */
async function allBenchmarks() {
  const cores = glue.threadsSupported() ? Math.min(glue.maxThreads(), navigator.hardwareConcurrency || 2) : 1;
  if (cores > 1) {
    /** @type {string[]} */ const errors = [];
    startHelpers(glueUrl(stem), module, wasm.memory, cores - 1, (e) => errors.push(e));
    while (glue.threadHelpers() < cores - 1 && !errors.length) await new Promise((r) => setTimeout(r, 20));
    out.threads = cores;
    out.helper_errors = errors;
  }

  const g = new glue.KernelBench(256, 256, 256);
  out.gemm_256_gflops = +((2 * 256 ** 3) / time((r) => g.gemm(r)) / 1e6).toFixed(2);
  g.free();

  const c = new glue.ConvBench(64, 16, 28, 16, 3);
  out.conv_16x16x3x3_28px_b64_fwd_bwd_gflops = +((3 * 2 * c.macs) / time((r) => c.run(r), 800) / 1e6).toFixed(2);
  c.free();

  for (const [name, model, steps] of /** @type {[string, object, number][]} */ ([['lenet5', { preset: 'lenet5' }, 60], ['resnet20', { preset: 'resnet', depth: 20 }, 6]])) {
    const t = new glue.Trainer({ model, seed: 1, batch_size: 64 });
    if (cores > 1) {
      // Interleaved, so both counts see the same machine: 1, N, 1, N; the faster of each.
      /** @type {Record<number, number[]>} */ const rates = { 1: [], [cores]: [] };
      for (let rep = 0; rep < 2; rep++) {
        for (const n of [1, cores]) {
          glue.setThreads(n);
          rates[n].push(trainRate(t, d, steps));
        }
      }
      out[`${name}_train_samples_per_sec`] = Math.max(...rates[1]);
      out[`${name}_train_samples_per_sec_${cores}_threads`] = Math.max(...rates[cores]);
    } else {
      out[`${name}_train_samples_per_sec`] = trainRate(t, d, steps);
    }
    t.free();
  }
  // LeNet-5 without the per-layer statistics, on one thread: the work TensorFlow.js's step does
  // (kernel to kernel), and what the page does between the steps whose metrics it sends (it
  // takes statistics a few times a second, `probeNext`). The figures above take them every step.
  {
    if (cores > 1) glue.setThreads(1);
    const t = new glue.Trainer({ model: { preset: 'lenet5' }, seed: 1, batch_size: 64, probe_every: 0 });
    out.lenet5_no_probes_train_samples_per_sec = trainRate(t, d, 60);
    t.free();
  }
}
