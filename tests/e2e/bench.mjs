// In-browser benchmark: the release page (dist/) in Debian's headless Chromium. Prints one
// JSON line of figures; never asserts a time. Usage: node tests/e2e/bench.mjs [--runs N]
//
// lenet5: the real page, default settings (LeNet-5, relu, Adam 1e-3, batch 64, augmentation
// on), one trainer worker fed by the augmentation worker; samples/s over one epoch after a
// warm-up epoch, as the page reports it, median of N runs.
import { serve, launch } from './lib.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const srv = await serve(join(root, 'dist'));
const ctx = await launch();

const lenet = { samplesPerSec: [], waitFraction: [], firstStepMs: [] };
for (let r = 0; r < runs; r++) {
  const page = await ctx.newPage();
  const t0 = Date.now();
  await page.goto(`${srv.url}?epochs=2`);
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.losses.length > 0, null, { timeout: 60_000 });
  lenet.firstStepMs.push(Date.now() - t0);
  // Warm-up epoch, then measure the second epoch alone from the metrics' cumulative counters.
  await page.waitForFunction(() => window.depthlab.testAccuracy.length >= 1, null, { timeout: 120_000 });
  const a = await page.evaluate(() => ({ ...window.depthlab.lastMetrics, preview: null }));
  await page.waitForFunction(() => window.depthlab.phase === 'done', null, { timeout: 120_000 });
  const b = await page.evaluate(() => ({ ...window.depthlab.lastMetrics, preview: null }));
  // samplesPerSec is cumulative (samples / (train + wait time)); difference the two epochs.
  const samples = (b.step - a.step) * 64;
  const tA = (a.step * 64) / a.samplesPerSec, tB = (b.step * 64) / b.samplesPerSec;
  lenet.samplesPerSec.push(samples / (tB - tA));
  lenet.waitFraction.push(b.waitFraction);
  await page.close();
}

// Kernels and training steps in one worker (www/bench.html), median of the runs.
const kernels = [];
for (let r = 0; r < runs; r++) {
  const page = await ctx.newPage();
  await page.goto(`${srv.url}www/bench.html`);
  await page.waitForFunction(() => window.benchResult, null, { timeout: 300_000 });
  kernels.push(await page.evaluate(() => window.benchResult));
  await page.close();
}
if (kernels[0].error) throw new Error(`benchmark page failed: ${kernels[0].error}`);
const med = (key) => median(kernels.map((k) => k[key]));

const out = {
  browser: ctx.browser()?.version() ?? 'chromium',
  runs,
  simd: kernels[0].simd,
  gemm_256_gflops: med('gemm_256_gflops'),
  conv_fwd_bwd_gflops: med('conv_16x16x3x3_28px_b64_fwd_bwd_gflops'),
  lenet5_step_samples_per_sec: med('lenet5_train_samples_per_sec'),
  resnet20_step_samples_per_sec: med('resnet20_train_samples_per_sec'),
  wasm_init_ms: med('init_ms'),
  lenet5_page_samples_per_sec: Math.round(median(lenet.samplesPerSec)),
  lenet5_page_samples_per_sec_all: lenet.samplesPerSec.map(Math.round),
  lenet5_wait_fraction: +median(lenet.waitFraction).toFixed(4),
  first_step_after_load_ms: median(lenet.firstStepMs),
};
console.log(JSON.stringify(out));
await ctx.close();
await srv.close();
