// @ts-check
// The benchmark worker: times kernels and training steps in one worker (one thread) and posts
// one result object. Figures only; nothing here passes or fails.
import init, { KernelBench, ConvBench, Trainer, DigitSet, simdBackend } from '../../../depthlab-wasm.js';

/** Repeats `fn(reps)` with growing reps until one run takes ≥ `minMs`; returns ms per rep. */
function time(fn, minMs = 400) {
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

async function bytes(url) {
  const r = await fetch(new URL(url, import.meta.url));
  return new Uint8Array(await r.arrayBuffer());
}

const t0 = performance.now();
await init();
const out = { simd: simdBackend(), init_ms: Math.round(performance.now() - t0) };

const g = new KernelBench(256, 256, 256);
out.gemm_256_gflops = +((2 * 256 ** 3) / time((r) => g.gemm(r)) / 1e6).toFixed(2);
g.free();

const c = new ConvBench(64, 16, 28, 16, 3);
out.conv_16x16x3x3_28px_b64_fwd_bwd_gflops = +((3 * 2 * c.macs) / time((r) => c.run(r), 800) / 1e6).toFixed(2);
c.free();

const set = DigitSet.fromIdx(await bytes('../../data/train-images-idx3-ubyte.gz'), await bytes('../../data/train-labels-idx1-ubyte.gz'));
const images = set.imagesF32().subarray(0, 64 * 784);
const labels = set.labels().subarray(0, 64);
for (const [name, model, steps] of [['lenet5', { preset: 'lenet5' }, 60], ['resnet20', { preset: 'resnet', depth: 20 }, 6]]) {
  const t = new Trainer({ model, seed: 1, batch_size: 64 });
  t.trainStep(images, labels);
  t.trainStep(images, labels);
  const s0 = performance.now();
  for (let i = 0; i < steps; i++) t.trainStep(images, labels);
  out[`${name}_train_samples_per_sec`] = Math.round((steps * 64 * 1000) / (performance.now() - s0));
  t.free();
}
self.postMessage(out);
