// The soak test: one run trains in headless Chromium for --minutes (default 30) while the page
// evaluates every epoch, checkpoints every few seconds and draws its charts; each minute it
// prints the trainer's wasm memory and the page's retained JS heap (see sample()). At the
// end it compares every later sample with the one after warm-up (minute 5) and fails if either
// moved more than 5%. `cargo xtask soak [MINUTES]` builds the page and runs this.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, takeHeapSnapshot } from './lib.mjs';

const arg = process.argv.indexOf('--minutes');
const minutes = arg > 0 ? Number(process.argv[arg + 1]) : 30;
if (!Number.isInteger(minutes) || minutes < 2) {
  console.error('usage: node tests/e2e/soak.mjs [--minutes N]  (N ≥ 2 whole minutes)');
  process.exit(2);
}
const TOLERANCE = 0.05;
/** Minutes of warm-up before memory must be flat (fewer for short soaks: half the run). */
const WARM_UP = 5;
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const srv = await serve(join(root, 'dist'));
const ctx = await launch();
const page = await ctx.newPage();
/** @type {string[]} */ const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
await page.goto(`${srv.url}?steps=1000000&seed=5`);
await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
const cdp = await ctx.newCDPSession(page);

/**
 * The objects the page retains: a heap snapshot (which collects garbage first) summed over
 * every live object, and that sum without compiled code — V8 compiles, optimises and flushes
 * functions' code as it likes (bytecode flushing), which moves the heap by a few hundred KB
 * with no object of the page's involved.
 */
async function retained() {
  const snap = await takeHeapSnapshot(cdp);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [ti, si] = [fields.indexOf('type'), fields.indexOf('self_size')];
  let all = 0, code = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const size = snap.nodes[i + si];
    all += size;
    if (types[snap.nodes[i + ti]] === 'code') code += size;
  }
  return { all, objects: all - code };
}

/**
 * wasm memory of the training worker, the page's JS heap, steps so far. The heap that must
 * stay flat is what the page retains apart from compiled code (see retained()); printed
 * beside it, V8's own used-size figure after a full collection (least of three readings a
 * second apart), which also counts code and space not yet swept and so moves by ±0.5 MB on
 * its own.
 */
async function sample() {
  const readings = [];
  for (let i = 0; i < 3; i++) {
    if (i) await new Promise((r) => setTimeout(r, 1000));
    await cdp.send('HeapProfiler.collectGarbage');
    readings.push((await cdp.send('Runtime.getHeapUsage')).usedSize);
  }
  const kept = await retained();
  const d = await page.evaluate(() => ({ wasm: window.depthlab.memoryBytes, steps: window.depthlab.lastMetrics?.step ?? 0, epochs: window.depthlab.testAccuracy.length, phase: window.depthlab.phase, errors: window.depthlab.errors }));
  return { ...d, heap: kept.objects, snapshot: kept.all, used: Math.min(...readings) };
}

const mb = (/** @type {number} */ b) => (b / 1048576).toFixed(1);
await page.click('#start');
const t0 = Date.now();
/** @type {Awaited<ReturnType<typeof sample>>[]} */ const rows = [];
console.log('minute   steps  epochs  wasm MB  JS objects MB  (snapshot with code, V8 used size)');
for (let m = 0; m <= minutes; m++) {
  const wait = t0 + m * 60_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const s = await sample();
  rows.push(s);
  console.log(`${String(m).padStart(6)} ${String(s.steps).padStart(7)} ${String(s.epochs).padStart(7)} ${mb(s.wasm).padStart(8)} ${mb(s.heap).padStart(14)}  (${mb(s.snapshot)}, ${mb(s.used)})`);
  if (s.errors.length || errors.length) break;
}
await ctx.close();
await srv.close();

// Warm-up: the first minutes fill the run's bounded histories (MAX_CURVE_POINTS steps, about 2
// minutes of LeNet-5 here) and the JIT's caches; from then on every sample must stay within
// TOLERANCE of the one at the end of warm-up.
const warm = Math.min(WARM_UP, Math.floor(minutes / 2));
const last = rows[rows.length - 1];
const base = rows[warm];
const after = rows.slice(warm);
const growth = (/** @type {'wasm' | 'heap' | 'snapshot' | 'used'} */ k) => Math.max(...after.map((r) => Math.abs(r[k] - base[k]) / base[k]));
console.log(`\nminutes ${warm} to ${rows.length - 1}: wasm memory within ${(growth('wasm') * 100).toFixed(1)}%, the JS objects within ${(growth('heap') * 100).toFixed(1)}% of minute ${warm} (with code ${(growth('snapshot') * 100).toFixed(1)}%, V8's used size ${(growth('used') * 100).toFixed(1)}%); ${last.steps} steps`);
const problems = [];
if (last.errors.length || errors.length) problems.push(`errors: ${[...last.errors, ...errors].join(' | ')}`);
if (last.phase !== 'running') problems.push(`the run is ${last.phase}, not running`);
for (const k of /** @type {const} */ (['wasm', 'heap'])) {
  if (growth(k) > TOLERANCE) problems.push(`${k === 'wasm' ? 'wasm memory' : 'the JS objects'} moved ${(growth(k) * 100).toFixed(1)}% from minute ${warm} (limit ${TOLERANCE * 100}%)`);
}
if (problems.length) {
  console.error(`FAIL: ${problems.join('; ')}`);
  process.exit(1);
}
console.log('Soak passed: memory flat.');
