// @ts-check
// The runs store: every run is data — its settings, the trainer config made from them, a
// colour, a name, its status and its metrics. Views read runs; they never talk to workers.
// Listeners are told which run changed; the store itself draws nothing.

import { words } from '../i18n/index.js';

/** @typedef {import('../state.js').Settings} Settings */
/** @typedef {import('../protocol.js').TrainConfigJson} TrainConfigJson */

/**
 * Colours of runs, in order of creation: Okabe and Ito's colour-blind-safe set (without its
 * yellow, unreadable on white), then three of Paul Tol's (wine, olive, indigo) for runs 8–10.
 */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#882255', '#999933', '#332288'];
/** Smoothing of the per-step curves (bias-corrected exponential moving average). */
const EMA = 0.95;
/** Probe rows kept per run: past this, every other row is dropped and only every 2nd (4th, …) new one kept. */
const MAX_PROBE_ROWS = 1024;
/**
 * Points kept per run of the per-step curves (loss, accuracy, their smoothed forms, the step
 * hashes): every step up to this many, then every 2nd step (4th, …), the points on a grid of
 * absolute step numbers so runs line up. A run of any length holds bounded memory and its
 * charts draw in bounded time; the tail of any run is as fine as its head.
 */
export const MAX_CURVE_POINTS = 4096;

const emptyProbes = () => ({ steps: [], rows: [], stride: 1 });

/**
 * @typedef {{steps: number[], rows: Float32Array[], stride: number, latest?: Float32Array}} ProbeHistory the per-layer statistics over
 *   training: at each step in `steps`, `probeFields.length` values per probed layer (layer-major); `latest` is the newest
 *   row even when thinning skipped it
 * @typedef {'queued' | 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed'} RunStatus
 * @typedef {{steps: number[], losses: number[], accs: number[], smoothLoss: number[], smoothAcc: number[], hashes: number[],
 *   tests: {step: number, epoch: number, accuracy: number, loss: number}[], emaLoss: number, emaAcc: number,
 *   count: number, stride: number}} RunMetrics the curves at the steps in `steps` (every `stride`-th step, see
 *   MAX_CURVE_POINTS); `count`: steps trained so far
 * @typedef {{id: number, settings: Settings, config: TrainConfigJson, color: string, customName: string | null,
 *   modelName: string, status: RunStatus, visible: boolean, worker: number | null, queuePos: number,
 *   seed: number | null, params: number, probeNames: string[], probes: ProbeHistory, preview: Uint8Array | null,
 *   totalSteps: number, bpe: number, pausedAt?: number | null, samplesPerSec: number, threads: number, waitFraction: number, elapsed: number, message: string, problem?: import('../i18n/index.js').Problem | null,
 *   checkpoint?: import('../protocol.js').Resume | null, resumes?: number, replayed?: number, replayMismatches?: number,
 *   metrics: RunMetrics, createdAt: number, sweep: {id: number, family: string, depth: number} | null,
 *   weights: Uint8Array | null, test: (import('../protocol.js').TestAnswers & {epoch: number}) | null}} Run
 */

export class RunsStore {
  constructor() {
    /** @type {Map<number, Run>} */
    this.runs = new Map();
    this.nextId = 1;
    /** @type {Set<(run: Run | null) => void>} */
    this.listeners = new Set();
  }

  /** Calls `fn(run)` after every change (`null`: runs were added or removed). */
  subscribe(/** @type {(run: Run | null) => void} */ fn) {
    this.listeners.add(fn);
  }

  changed(/** @type {Run | null} */ run) {
    for (const fn of this.listeners) fn(run);
  }

  /** A new queued run for `settings` (config already built from them). */
  add(/** @type {Settings} */ settings, /** @type {TrainConfigJson} */ config, /** @type {string} */ modelName) {
    const used = new Set([...this.runs.values()].map((r) => r.color));
    const color = PALETTE.find((c) => !used.has(c)) ?? PALETTE[this.nextId % PALETTE.length];
    /** @type {Run} */
    const run = {
      id: this.nextId++, settings: { ...settings }, config, color, customName: null, modelName, status: 'queued', visible: true,
      worker: null, queuePos: 0, seed: null, params: 0, probeNames: [], probes: emptyProbes(), preview: null, totalSteps: 0, bpe: 0,
      samplesPerSec: 0, threads: 0, waitFraction: 0, elapsed: 0, message: '', createdAt: Date.now(), sweep: null, weights: null, test: null,
      metrics: { steps: [], losses: [], accs: [], smoothLoss: [], smoothAcc: [], hashes: [], tests: [], emaLoss: 0, emaAcc: 0, count: 0, stride: 1 },
    };
    this.runs.set(run.id, run);
    this.changed(null);
    return run;
  }

  /** Puts back a run kept from an earlier visit (no worker, no weights). */
  restore(/** @type {Run} */ kept) {
    /** @type {Run} */
    const run = { ...kept, worker: null, queuePos: 0, preview: null, probes: kept.probes ?? emptyProbes(), weights: kept.weights ?? null, test: kept.test ?? null };
    // Kept by a version that stored every step: every step is a point.
    run.metrics.count ??= run.metrics.steps.at(-1) ?? 0;
    run.metrics.stride ??= 1;
    this.runs.set(run.id, run);
    this.nextId = Math.max(this.nextId, run.id + 1);
  }

  remove(/** @type {number} */ id) {
    this.runs.delete(id);
    this.changed(null);
  }

  get(/** @type {number} */ id) {
    return this.runs.get(id);
  }

  list() {
    return [...this.runs.values()];
  }

  /**
   * Appends per-step metrics (and keeps the smoothed curves). Steps already recorded — a run
   * resumed from a checkpoint trains its last steps again — are compared, not added.
   */
  addSteps(/** @type {Run} */ run, /** @type {number[]} */ steps, /** @type {number[]} */ losses, /** @type {number[]} */ accs, /** @type {number[]} */ hashes) {
    const m = run.metrics;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (step <= m.count) {
        // Replayed after a resume: compared where the curve kept that step.
        run.replayed = (run.replayed ?? 0) + 1;
        const k = step % m.stride === 0 ? step / m.stride - 1 : -1;
        if (k >= 0 && m.steps[k] === step && (!Object.is(m.losses[k], losses[i]) || m.hashes[k] !== hashes[i])) run.replayMismatches = (run.replayMismatches ?? 0) + 1;
        continue;
      }
      m.count = step;
      m.emaLoss = EMA * m.emaLoss + (1 - EMA) * losses[i];
      m.emaAcc = EMA * m.emaAcc + (1 - EMA) * accs[i];
      const debias = 1 - EMA ** step;
      if (step % m.stride !== 0) continue;
      m.steps.push(step);
      m.losses.push(losses[i]);
      m.accs.push(accs[i]);
      m.smoothLoss.push(m.emaLoss / debias);
      m.smoothAcc.push(m.emaAcc / debias);
      m.hashes.push(hashes[i]);
      if (m.steps.length >= MAX_CURVE_POINTS) {
        // Keep the steps on the next grid: multiples of twice the stride (the odd-numbered points).
        const keep = (/** @type {unknown} */ _, /** @type {number} */ j) => j % 2 === 1;
        for (const key of /** @type {const} */ (['steps', 'losses', 'accs', 'smoothLoss', 'smoothAcc', 'hashes'])) m[key] = m[key].filter(keep);
        m.stride *= 2;
      }
    }
  }

  /** Adds the per-layer statistics of step `step` (thinned to at most MAX_PROBE_ROWS rows). */
  addProbes(/** @type {Run} */ run, /** @type {number} */ step, /** @type {Float32Array} */ row) {
    const p = run.probes;
    if (p.steps.length && step <= p.steps[p.steps.length - 1]) return;
    p.latest = row;
    if (p.steps.length && step - p.steps[p.steps.length - 1] < p.stride) return;
    p.steps.push(step);
    p.rows.push(row);
    if (p.steps.length >= MAX_PROBE_ROWS) {
      p.steps = p.steps.filter((_, i) => i % 2 === 0);
      p.rows = p.rows.filter((_, i) => i % 2 === 0);
      p.stride *= 2;
    }
  }

  /**
   * The name shown for `run`: its own name if renamed, else the model plus the settings in
   * which the runs differ (the model's own options are in its name already).
   */
  nameOf(/** @type {Run} */ run, /** @type {import('../state.js').SettingsModel} */ model) {
    if (run.customName) return run.customName;
    const all = this.list();
    const extras = [];
    for (const s of model.catalog.settings) {
      if (s.group === 'model') continue;
      const values = new Set(all.map((r) => String(r.settings[s.key])));
      if (values.size > 1 && model.applies(s, run.settings)) extras.push(`${s.key} ${run.settings[s.key] ?? 'random'}`);
    }
    return [words().modelName(run.modelName), ...extras].join(' · ');
  }
}
