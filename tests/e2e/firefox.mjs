// End-to-end tests in Firefox ESR (Debian's firefox-esr, driven by puppeteer-core over WebDriver
// BiDi; never a downloaded browser): the page loads and trains, bit for bit like Chromium for the
// same seed, and training goes on in a background tab — Firefox headless really hides a tab
// that is not in front (visibilityState "hidden", its main-thread timers throttled to 1 s).
// Run by `cargo xtask test` after the Chromium tests; `node tests/e2e/firefox.mjs` alone needs
// a built dist/.
import puppeteer from 'puppeteer-core';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, tester, assert, scratchDir } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const srv = await serve(join(root, 'dist'));
const firefox = await puppeteer.launch({
  browser: 'firefox',
  executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
  headless: true,
  userDataDir: scratchDir('depthlab-firefox-'),
  // No update checks, telemetry or other traffic of Firefox's own.
  extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'network.captive-portal-service.enabled': false },
});
console.log(`Firefox: ${await firefox.version()}`);
const { test, failures } = tester();

/** A Firefox page at `query`, idle; page errors are collected in the returned list. */
async function openFirefox(query = '') {
  const page = await firefox.newPage();
  /** @type {string[]} */ const errors = [];
  page.on('pageerror', (e) => errors.push(String(/** @type {Error} */ (e).message ?? e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(srv.url + query);
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', { timeout: 60_000 });
  return { page, errors };
}

const done = () => window.depthlab.phase === 'done' || window.depthlab.errors.length > 0;

/** Waits for `fn` on `page`; on a timeout the error says what the page was doing. */
async function waitOrSay(/** @type {import('puppeteer-core').Page} */ page, /** @type {() => boolean} */ fn, /** @type {number} */ timeout, /** @type {string[]} */ errors) {
  await page.waitForFunction(fn, { timeout }).catch(async (e) => {
    const state = await page.evaluate(() => {
      const d = window.depthlab;
      const r = d.runs?.().at(-1);
      return { phase: d.phase, losses: d.losses.length, errors: d.errors, build: d.build, run: r && { status: r.status, threads: r.threads, steps: r.metrics?.steps?.length }, startRescues: d.startRescues };
    }).catch((err) => String(err));
    throw new Error(`${e.message}; page state: ${JSON.stringify(state)}; console errors: ${errors.join(' | ') || 'none'}`);
  });
}
const QUERY = '?steps=60&seed=7';

/** @type {number[]} */ let firefoxLosses = [];

await test('Firefox: the page loads, trains LeNet-5 for 60 steps and evaluates, with no error', async () => {
  const { page, errors } = await openFirefox(QUERY);
  const simd = await page.evaluate(() => `${window.depthlab.simd}, build ${JSON.stringify(window.depthlab.build)}`);
  await page.click('#start');
  await waitOrSay(page, done, 180_000, errors);
  const r = await page.evaluate(() => ({ losses: window.depthlab.losses.slice(), errors: window.depthlab.errors, acc: document.getElementById('testAcc')?.textContent, sps: window.depthlab.lastMetrics?.samplesPerSec, rescues: window.depthlab.startRescues.slice() }));
  // A start that took over START_DEADLINES_MS[0] (a run of this test once stood 'starting' for
  // three minutes in CI) is rescued by the page; say so when it happens.
  if (r.rescues.length) console.log(`     the start was rescued: ${JSON.stringify(r.rescues)}`);
  assert(r.errors.length === 0 && errors.length === 0, `errors: ${[...r.errors, ...errors].join(' | ')}`);
  assert(r.losses.length === 60 && r.losses.every(Number.isFinite), `${r.losses.length} losses`);
  const acc = parseFloat(r.acc ?? '');
  console.log(`     SIMD backend ${simd}; loss ${r.losses[0].toFixed(3)} → ${r.losses[59].toFixed(3)}; test accuracy shown "${r.acc}"; ${Math.round(r.sps)} samples/s`);
  assert(acc > 50, `test accuracy ${acc}% after 60 steps`);
  await page.screenshot({ path: join(root, 'tests/e2e/artifacts/firefox.png'), fullPage: true }).catch(() => {});
  firefoxLosses = r.losses;
  await page.close();
});

await test('Firefox and Chromium give the same losses, bit for bit, for the same seed', async () => {
  assert(firefoxLosses.length === 60, 'the Firefox run did not finish');
  const ctx = await launch();
  const page = await ctx.newPage();
  await page.goto(srv.url + QUERY);
  await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
  await page.click('#start');
  await page.waitForFunction(done, null, { timeout: 180_000 });
  const chromium = await page.evaluate(() => window.depthlab.losses.slice());
  console.log(`     Chromium: build ${await page.evaluate(() => JSON.stringify(window.depthlab.build))}`);
  await ctx.close();
  const diff = chromium.findIndex((v, i) => !Object.is(v, firefoxLosses[i]));
  assert(chromium.length === 60 && diff === -1, `differ at step ${diff + 1}: Chromium ${chromium[diff]} vs Firefox ${firefoxLosses[diff]}`);
  console.log(`     60 losses identical in both browsers (last ${chromium[59]})`);
});

await test('Firefox: a lost run request is rescued over a new channel to the augmentation worker, and the run trains the same curve', async () => {
  assert(firefoxLosses.length === 60, 'the first Firefox run did not finish');
  const { page, errors } = await openFirefox(QUERY);
  await page.evaluate(() => window.depthlab.dropRunRequests(1));
  await page.click('#start');
  await waitOrSay(page, done, 60_000, errors);
  const r = await page.evaluate(() => ({ losses: window.depthlab.losses.slice(), rescues: window.depthlab.startRescues.slice(), errors: window.depthlab.errors }));
  console.log(`     rescues ${JSON.stringify(r.rescues)}`);
  assert(r.errors.length === 0 && errors.length === 0, `errors: ${[...r.errors, ...errors].join(' | ')}`);
  assert(r.rescues.length === 1 && r.rescues[0].action === 'new channel', JSON.stringify(r.rescues));
  assert(r.losses.length === 60 && r.losses.every((v, i) => Object.is(v, firefoxLosses[i])), 'the rescued run trained a different curve');
  await page.close();
});

await test('Firefox: the thread pool runs every task of every job exactly once (5 million jobs back to back)', async () => {
  // The race behind the stall seen twice in this file's first and last tests: unfixed, a run of
  // this stalled within 0.7 million jobs in both of 2 runs here.
  const { page, errors } = await openFirefox('?workers=1');
  await page.evaluate(() => window.depthlab.poolStress(0, 5_000_000, 8));
  await page.waitForFunction(() => window.depthlab.poolStressResult !== null, { timeout: 120_000 }).catch(() => {
    throw new Error('the pool did not finish the jobs in 2 minutes (a lost task leaves it waiting forever)');
  });
  const r = await page.evaluate(() => window.depthlab.poolStressResult);
  console.log(`     ${JSON.stringify(r)}`);
  assert(!r.error && r.helpers >= 1 && r.wrong === 0 && errors.length === 0, `${JSON.stringify(r)} ${errors.join(' | ')}`);
  await page.close();
});

await test('Firefox: training goes on in a background tab at full speed, and the run is the same', async () => {
  // Enough steps that the run is still going after the hidden span (on two threads with fused
  // multiply-add LeNet-5 trains ~60 steps/s here: 300 steps ended before the span began).
  const STEPS = 1500;
  const { page, errors } = await openFirefox(`?steps=${STEPS}&seed=3`);
  const steps = () => page.evaluate(() => window.depthlab.losses.length);
  await page.click('#start');
  await waitOrSay(page, () => window.depthlab.losses.length >= 20, 120_000, errors);
  // Steps per second in front, then behind another tab, over the same span.
  const rate = async (/** @type {number} */ ms) => {
    const [s0, t0] = [await steps(), Date.now()];
    await new Promise((r) => setTimeout(r, ms));
    return ((await steps()) - s0) / ((Date.now() - t0) / 1000);
  };
  const front = await rate(3000);
  const other = await firefox.newPage();
  await other.goto('about:blank');
  await other.bringToFront();
  await new Promise((r) => setTimeout(r, 500));
  const vis = await page.evaluate(() => document.visibilityState);
  assert(vis === 'hidden', `the tab behind another is "${vis}", not hidden: the test would prove nothing`);
  const timer = await page.evaluate(() => new Promise((r) => { const t0 = performance.now(); setTimeout(() => setTimeout(() => r(performance.now() - t0), 10), 10); }));
  const behind = await rate(3000);
  const after = await steps();
  assert(after < STEPS, `the run ended (${after} steps) before the hidden span was over: the test would prove nothing`);
  console.log(`     ${front.toFixed(1)} steps/s in front, ${behind.toFixed(1)} steps/s hidden (two 10 ms timers took ${Math.round(/** @type {number} */ (timer))} ms there)`);
  assert(behind >= 0.5 * front, `training slowed to ${behind.toFixed(1)} steps/s in a background tab (${front.toFixed(1)} in front)`);
  await page.bringToFront();
  await other.close();
  await waitOrSay(page, done, 300_000, errors);
  const hidden = await page.evaluate(() => ({ losses: window.depthlab.losses.slice(), errors: window.depthlab.errors }));
  assert(hidden.errors.length === 0 && errors.length === 0, `errors: ${[...hidden.errors, ...errors].join(' | ')}`);
  await page.close();
  // The same seed in a tab that stays in front: the same curve.
  const fg = await openFirefox(`?steps=${STEPS}&seed=3`);
  await fg.page.click('#start');
  await waitOrSay(fg.page, done, 300_000, fg.errors);
  const ref = await fg.page.evaluate(() => window.depthlab.losses.slice());
  await fg.page.close();
  const diff = ref.findIndex((v, i) => !Object.is(v, hidden.losses[i]));
  assert(ref.length === STEPS && hidden.losses.length === STEPS && diff === -1, `the backgrounded run differs at step ${diff + 1}`);
  console.log(`     ${STEPS} losses identical to a run that stayed in front`);
});

await firefox.close();
await srv.close();
if (failures()) {
  console.error(`${failures()} Firefox test(s) failed`);
  process.exit(1);
}
console.log('All Firefox tests passed.');
