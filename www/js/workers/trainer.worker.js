// @ts-check
// A trainer worker of the pool: trains one run at a time. It owns that run's wasm Trainer,
// pulls batches from the augmentation worker over its MessagePort (keeping PREFETCH requested
// ahead), trains, and reports metrics to the main thread at most METRICS_HZ times a second.
// A finished run's Trainer is kept (for the draw pad and export) until the page discards it.
//
// States of the active run: idle → starting (waiting for run-ready) → running ⇄ paused →
// idle (done, stopped or failed). Every message is legal in every state: one that does not
// apply (pause while idle, a batch of an earlier run) is ignored, never left half-done.
import * as singleThread from '../../../depthlab-wasm.js';
import { PREFETCH, METRICS_HZ, CHECKPOINT_SECONDS } from '../protocol.js';
import { startHelpers } from './helpers.js';
import { problemOf, pageProblem } from '../i18n/index.js';

/** @typedef {import('../protocol.js').TrainerToMain} TrainerToMain */
/** @typedef {import('../protocol.js').TrainerToAugment} TrainerToAugment */
/** @typedef {import('../protocol.js').BatchMessage} BatchMessage */
const toMain = (/** @type {TrainerToMain} */ m, /** @type {Transferable[]} */ t = []) => self.postMessage(m, t);
const toAugment = (/** @type {TrainerToAugment} */ m, /** @type {Transferable[]} */ t = []) => port?.postMessage(m, t);

/**
 * The wasm build this worker runs: the single-thread one, or the threaded one (same exports,
 * its glue's URL comes with 'init'; www/js/threads.js chose it).
 * @typedef {typeof import('../../../depthlab-wasm.js')} Glue
 * @typedef {import('../../../depthlab-wasm.js').Trainer} Trainer
 */
/** @type {Glue} */ let glue = singleThread;
/**
 * Uses `count` threads per run from the next kernel on (threaded build), starting helpers as
 * needed: each joins the pool once its instance is up, so the count in force may lag a moment
 * (results never depend on it).
 */
function setThreads(/** @type {number} */ count) {
  if (!glue.threadsSupported() || !wasmModule) return;
  startHelpers(buildGlue, wasmModule, wasm.memory, Math.min(count, glue.maxThreads()) - 1, (e) =>
    toMain({ type: 'error', problem: pageProblem('threadFailed', [e]) }));
  glue.setThreads(count);
}
/** The build's glue URL and module (for helpers), when this worker runs one other than the plain build. */
let buildGlue = '';
/** @type {WebAssembly.Module | null} */ let wasmModule = null;

/** Byte address of the thread pool's failure flag (0: the single-thread build), read once at init. */
let failureFlag = 0;
/** Whether a helper thread raised the failure flag (plain JS: the instance may have trapped). */
const helperFailed = () => failureFlag > 0 && wasm !== null && Atomics.load(new Int32Array(wasm.memory.buffer), failureFlag >> 2) !== 0;

/** Pixels per digit, from the catalogue once the module is loaded. */
let PIXELS = 0;
/** @type {MessagePort | null} */ let port = null;
/** @type {any} */ let wasm = null;
const memoryBytes = () => wasm?.memory.buffer.byteLength ?? 0;

/**
 * The active run.
 * @typedef {{id: number, trainer: Trainer, state: 'starting' | 'running' | 'paused', seed: number, epochs: number, budget: number,
 *   totalSteps: number, step: number, epoch: number, bpe: number, samples: number, trainTime: number, waitTime: number,
 *   startTime: number, pausedTime: number, pauseStart: number, lastFlush: number, lastCheckpoint: number, lastPreview: number, lastProbeStep: number,
 *   stepMs: number, probeOwed: boolean,
 *   batchesReceived: number, producedByAugmenter: number, testImages: Float32Array | null, testLabels: Uint8Array | null,
 *   calibImages: Float32Array | null, queue: BatchMessage[], waiter: ((b: BatchMessage | null) => void) | null,
 *   looping: boolean, pauseRequested: boolean, pending: {steps: number[], losses: number[], accs: number[], hashes: number[], preview: Uint8Array | null},
 *   request: TrainerToAugment}} Run  (request: the 'run' message that asks the augmentation worker for this run's batches)
 */
/** @type {Run | null} */ let run = null;
/** Finished runs' trainers, kept for predictions and export until discarded. */
/** @type {Map<number, Trainer>} */ const kept = new Map();
/** Digits an export's self-check runs on: the first test digits of the latest run (any digits do). */
let checkImages = /** @type {Float32Array} */ (new Float32Array(0));

// A zero-delay yield (setTimeout(0) is clamped to 4 ms when nested).
const tick = new MessageChannel();
/** @type {((v?: unknown) => void)[]} */ const tickWaiters = [];
tick.port1.onmessage = () => tickWaiters.shift()?.();
const yieldNow = () => new Promise((r) => { tickWaiters.push(r); tick.port2.postMessage(0); });

/** FNV-1a over a batch's pixels (as bits) and labels: twins must see identical batches. */
function batchHash(/** @type {Float32Array} */ images, /** @type {Uint8Array} */ labels) {
  const bits = new Uint32Array(images.buffer, images.byteOffset, images.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i], 0x01000193);
  for (let i = 0; i < labels.length; i++) h = Math.imul(h ^ labels[i], 0x01000193);
  return h >>> 0;
}

/** The next batch of `r`, or null when the run ends while waiting. */
function nextBatch(/** @type {Run} */ r) {
  const b = r.queue.shift();
  if (b) return Promise.resolve(b);
  return new Promise((resolve) => (r.waiter = resolve));
}

/** Ends the active run (stop, failure or done): the loop is released, the augmenter freed. */
function endRun(/** @type {'done' | 'stopped' | 'failed'} */ how) {
  const r = run;
  if (!r) return;
  run = null;
  r.waiter?.(null); // a loop awaiting a batch wakes up and sees the run is over
  r.waiter = null;
  toAugment({ type: 'stop', runId: r.id });
  if (how === 'done') kept.set(r.id, r.trainer);
  else r.trainer.free();
}

function onPortMessage(/** @type {MessageEvent<import('../protocol.js').AugmentToTrainer>} */ ev) {
  const m = ev.data;
  const r = run;
  if (!r || m.runId !== r.id) return; // a message about an earlier run
  switch (m.type) {
    case 'run-ready':
      if (r.state !== 'starting') return;
      r.bpe = m.batchesPerEpoch;
      r.epoch = Math.floor(r.step / r.bpe); // a resumed run continues in its epoch
      r.totalSteps = r.budget > 0 ? r.budget : r.bpe * r.epochs;
      r.trainer.setStepBudget(r.totalSteps);
      r.testImages = m.testImages;
      checkImages = m.testImages;
      r.testLabels = m.testLabels;
      r.calibImages = m.calibImages;
      // Paused while it was starting: it starts paused (Resume starts the loop).
      r.state = r.pauseRequested ? 'paused' : 'running';
      r.startTime = performance.now();
      r.pauseStart = r.startTime;
      r.lastFlush = r.startTime;
      r.lastCheckpoint = r.startTime;
      toMain({ type: 'started', runId: r.id, totalSteps: r.totalSteps, epochs: r.epochs, seed: r.seed, params: r.trainer.paramCount, modelName: r.trainer.modelName, probeNames: r.trainer.probeNames(), batchesPerEpoch: m.batchesPerEpoch, trainCount: m.trainCount, testCount: m.testLabels.length, memoryBytes: memoryBytes() });
      toAugment({ type: 'need', runId: r.id, count: PREFETCH });
      if (r.state === 'running') loop(r);
      else toMain({ type: 'paused', runId: r.id, step: r.step });
      return;
    case 'run-error':
      toMain({ type: 'error', runId: r.id, problem: pageProblem('couldNotStart', [], m.problem) });
      endRun('failed');
      return;
    case 'batch':
      r.batchesReceived += 1;
      r.producedByAugmenter = m.produced;
      if (r.waiter) {
        const w = r.waiter;
        r.waiter = null;
        w(m);
      } else r.queue.push(m);
  }
}

function flushMetrics(/** @type {Run} */ r, /** @type {number} */ now) {
  if (!r.pending.steps.length) return;
  const p = r.pending;
  // Wall clock: samples over the time since the run started, evaluation and messaging included.
  const elapsed = (now - r.startTime - r.pausedTime) / 1000;
  const busy = r.trainTime + r.waitTime;
  // The latest per-layer statistics, if the trainer took new ones since the last message.
  const probeStep = r.trainer.probeStep;
  const probes = { probeStep, probes: probeStep > r.lastProbeStep ? new Float32Array(r.trainer.probes()) : null };
  r.lastProbeStep = probeStep;
  r.probeOwed = probes.probes === null;
  toMain({
    type: 'metrics', runId: r.id,
    steps: p.steps, losses: p.losses, accs: p.accs, hashes: p.hashes,
    step: r.step, epoch: r.epoch, batchInEpoch: r.step % r.bpe, batchesPerEpoch: r.bpe, epochs: r.epochs,
    samplesPerSec: r.samples / Math.max(elapsed, 1e-9),
    waitFraction: busy > 0 ? r.waitTime / busy : 0,
    elapsed, threads: glue.threadsInUse(), batchesReceived: r.batchesReceived, producedByAugmenter: r.producedByAugmenter, memoryBytes: memoryBytes(),
    preview: p.preview,
    ...probes,
  }, [...(p.preview ? [p.preview.buffer] : []), ...(probes.probes ? [probes.probes.buffer] : [])]);
  r.pending = { steps: [], losses: [], accs: [], hashes: [], preview: null };
  r.lastFlush = now;
}

function evaluateEpoch(/** @type {Run} */ r) {
  const t0 = performance.now();
  r.trainer.calibrateBatchNorm(/** @type {Float32Array} */ (r.calibImages));
  const s = r.trainer.evaluate(/** @type {Float32Array} */ (r.testImages), /** @type {Uint8Array} */ (r.testLabels));
  const test = {
    labels: new Uint8Array(/** @type {Uint8Array} */ (r.testLabels)), predicted: r.trainer.evalPredicted(),
    confidence: r.trainer.evalConfidence(), trueProb: r.trainer.evalTrueProb(),
  };
  toMain({ type: 'epoch', runId: r.id, epoch: r.epoch, testAccuracy: s.accuracy, testLoss: s.loss, evalMs: performance.now() - t0, test },
    [test.labels.buffer, test.predicted.buffer, test.confidence.buffer, test.trueProb.buffer]);
}

/** Trains `r` until it is paused, ends or reaches its step budget. */
async function loop(/** @type {Run} */ r) {
  if (r.looping) return;
  r.looping = true;
  try {
    while (run === r && r.state === 'running' && r.step < r.totalSteps) {
      const w0 = performance.now();
      const b = await nextBatch(r);
      if (!b || run !== r) break;
      if (r.state !== 'running') {
        r.queue.unshift(b); // paused while waiting: keep the batch for resume
        break;
      }
      const t0 = performance.now();
      r.waitTime += t0 - w0;
      toAugment({ type: 'need', runId: r.id, count: 1 });
      const images = b.images.subarray(0, b.n * PIXELS);
      const labels = b.labels.subarray(0, b.n);
      // Per-layer statistics (a pass over every layer's signals and gradients) only for a step
      // whose metrics go out: the one during which the next message falls due (by the last
      // step's time), an epoch's last, the run's last, or the next one taken when a message
      // left without new statistics (a slower step; a probe_every above 1).
      const next = r.step + 1;
      r.trainer.probeNext = r.probeOwed || t0 + r.stepMs > r.lastFlush + 1000 / METRICS_HZ || next % r.bpe === 0 || next === r.totalSteps;
      const s = r.trainer.trainStep(images, labels);
      const t1 = performance.now();
      r.stepMs = t1 - t0;
      r.trainTime += t1 - t0;
      r.samples += b.n;
      r.step += 1;
      const p = r.pending;
      p.steps.push(r.step);
      p.losses.push(s.loss);
      p.accs.push(s.accuracy);
      p.hashes.push(batchHash(images, labels));
      if (!p.preview && t1 - r.lastPreview > 250) {
        const k = Math.min(b.n, 32);
        p.preview = new Uint8Array(k * PIXELS);
        for (let i = 0; i < k * PIXELS; i++) p.preview[i] = images[i] * 255;
        r.lastPreview = t1;
      }
      toAugment({ type: 'recycle', runId: r.id, images: b.images, labels: b.labels }, [b.images.buffer, b.labels.buffer]);
      if (t1 - r.lastFlush > 1000 / METRICS_HZ) flushMetrics(r, t1);
      if (t1 - r.lastCheckpoint > CHECKPOINT_SECONDS * 1000 && r.step < r.totalSteps) {
        // The state after this step, for the main thread to resume from if this worker dies.
        const bytes = r.trainer.saveState();
        toMain({ type: 'checkpoint', runId: r.id, step: r.step, bytes }, [bytes.buffer]);
        r.lastCheckpoint = performance.now();
      }
      if (r.step % r.bpe === 0 || r.step === r.totalSteps) {
        flushMetrics(r, performance.now());
        r.epoch = Math.ceil(r.step / r.bpe);
        evaluateEpoch(r);
      }
      await yieldNow(); // let pause/stop/predict messages in
    }
    if (run === r && r.step >= r.totalSteps) {
      flushMetrics(r, performance.now());
      toMain({ type: 'done', runId: r.id, step: r.step, elapsed: (performance.now() - r.startTime - r.pausedTime) / 1000 });
      endRun('done');
    }
  } catch (e) {
    // A step the trainer refused (training diverged, named by layer) ends this run only; the
    // curves up to it are kept.
    if (isTrap(e)) fatal(e, r.id);
    else if (run === r) {
      flushMetrics(r, performance.now());
      toMain({ type: 'error', runId: r.id, problem: problemOf(e) });
      endRun('failed');
    }
  } finally {
    r.looping = false;
  }
}

/**
 * A trap of the wasm instance (out of memory, a bug): its memory may be half-written, so this
 * worker must not be used again. Reported as fatal; the pool replaces the worker.
 */
const isTrap = (/** @type {unknown} */ e) => e instanceof WebAssembly.RuntimeError;
function fatal(/** @type {unknown} */ e, /** @type {number | undefined} */ runId) {
  // A trap caused by a helper thread (this worker stopped waiting for it) says so.
  toMain({ type: 'error', runId, problem: pageProblem(helperFailed() ? 'helperTrap' : 'wasmTrap', [], problemOf(e)), fatal: true });
  run = null;
  self.close();
}

/** The trainer of run `id`: the active one or a kept finished one. */
const trainerOf = (/** @type {number} */ id) => (run?.id === id ? run.trainer : kept.get(id) ?? null);

self.onmessage = async (/** @type {MessageEvent<import('../protocol.js').MainToTrainer>} */ ev) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'init':
        if (m.glue) {
          glue = await import(m.glue);
          buildGlue = m.glue;
        }
        wasmModule = m.module;
        wasm = await glue.default({ module_or_path: m.module });
        PIXELS = glue.catalog().pixels;
        failureFlag = glue.threadFailureFlag();
        // The memory estimate counts a convolution scratch per thread a run may use.
        glue.setMemoryLimit(m.memoryLimit, glue.threadsSupported() ? m.maxThreads : 1);
        port = m.port;
        port.onmessage = onPortMessage;
        toMain({ type: 'ready', simd: glue.simdBackend(), threaded: glue.threadsSupported(), memoryBytes: memoryBytes() });
        return;
      case 'start': {
        if (run) {
          toMain({ type: 'stopped', runId: run.id });
          endRun('stopped');
        }
        const c = m.config;
        const seed = typeof c.seed === 'number' && Number.isInteger(c.seed) ? c.seed : glue.randomSeed();
        let trainer;
        try {
          trainer = new glue.Trainer({ ...c, seed });
          if (m.resume) trainer.loadState(m.resume.bytes);
        } catch (e) {
          trainer?.free();
          if (isTrap(e)) fatal(e, m.runId);
          else toMain({ type: 'error', runId: m.runId, problem: problemOf(e) });
          return;
        }
        const now = performance.now();
        run = {
          id: m.runId, trainer, state: 'starting', seed, epochs: c.epochs, budget: c.steps, totalSteps: Infinity, step: m.resume?.step ?? 0, epoch: 0, bpe: 1,
          samples: 0, trainTime: 0, waitTime: 0, startTime: now, pausedTime: 0, pauseStart: 0, lastFlush: now, lastCheckpoint: now, lastPreview: -1e9, lastProbeStep: 0,
          stepMs: 0, probeOwed: false,
          batchesReceived: 0, producedByAugmenter: 0, testImages: null, testLabels: null, calibImages: null, queue: [], waiter: null,
          looping: false, pauseRequested: false, pending: { steps: [], losses: [], accs: [], hashes: [], preview: null },
          request: { type: 'run', runId: m.runId, seed, batchSize: c.batch_size, augment: c.augment, startAt: m.resume?.step ?? 0 },
        };
        toAugment(run.request);
        return;
      }
      case 'port':
        // A new channel to the augmentation worker: the pool's answer to a start that took too
        // long (protocol.js, START_DEADLINES_MS). A run that trains proves the old channel
        // works: it is kept and the new one closed. Otherwise the old one is dropped (its run,
        // if the augmentation worker got it, stopped first) and a starting run asks again.
        if (run && run.state !== 'starting') {
          m.port.close();
          return;
        }
        if (run) toAugment({ type: 'stop', runId: run.id });
        port?.close();
        port = m.port;
        port.onmessage = onPortMessage;
        console.warn(`trainer: a new channel to the augmentation worker${run ? `; run ${run.id} is asked for again` : ''}`);
        if (run) toAugment(run.request);
        return;
      case 'pause':
        if (run?.id === m.runId && run.state === 'starting') run.pauseRequested = true;
        if (run?.id === m.runId && run.state === 'running') {
          run.state = 'paused';
          run.pauseStart = performance.now();
          // No step is taken after this message (the loop checks the state before each one):
          // every step so far is sent now, and the step the run stands at.
          flushMetrics(run, run.pauseStart);
          toMain({ type: 'paused', runId: run.id, step: run.step });
        }
        return;
      case 'resume':
        if (run?.id === m.runId && run.state === 'starting') run.pauseRequested = false;
        if (run?.id === m.runId && run.state === 'paused') {
          run.state = 'running';
          run.pausedTime += performance.now() - run.pauseStart;
          loop(run); // the batch the loop was waiting for may be queued already
        }
        return;
      case 'stop':
        if (run?.id === m.runId) {
          endRun('stopped');
          toMain({ type: 'stopped', runId: m.runId, memoryBytes: memoryBytes() });
        }
        return;
      case 'discard':
        kept.get(m.runId)?.free();
        kept.delete(m.runId);
        return;
      case 'export': {
        const t = trainerOf(m.runId);
        if (!t) {
          toMain({ type: 'error', problem: pageProblem('weightsGone') });
          return;
        }
        if (m.format === 'pytorch' || m.format === 'onnx') {
          try {
            /** @type {[string, Uint8Array<ArrayBuffer>][]} */
            const files = m.format === 'onnx'
              ? [[`${t.modelName}.onnx`, /** @type {Uint8Array<ArrayBuffer>} */ (t.exportOnnx())]]
              : t.exportPytorch(checkImages);
            toMain({ type: 'export-files', runId: m.runId, format: m.format, modelName: t.modelName, files }, files.map((f) => f[1].buffer));
          } catch (e) {
            toMain({ type: 'error', runId: m.runId, problem: pageProblem('exportFailed', [], problemOf(e)) });
          }
          return;
        }
        const bytes = t.exportWeights();
        toMain({ type: 'weights', runId: m.runId, keep: m.keep ?? false, bytes: /** @type {Uint8Array<ArrayBuffer>} */ (bytes), modelName: t.modelName }, [bytes.buffer]);
        return;
      }
      case 'restore': {
        // A run kept across a reload: its model rebuilt from its config, its weights loaded.
        kept.get(m.runId)?.free();
        kept.delete(m.runId);
        let t = null;
        try {
          t = new glue.Trainer({ ...m.config, seed: typeof m.config.seed === 'number' ? m.config.seed : 0 });
          t.importWeights(m.bytes);
        } catch (e) {
          t?.free();
          toMain({ type: 'error', problem: pageProblem('keptWeightsFailed', [], problemOf(e)) });
          return;
        }
        kept.set(m.runId, t);
        toMain({ type: 'restored', runId: m.runId });
        return;
      }
      case 'import': {
        const t = trainerOf(m.runId);
        if (!t) {
          toMain({ type: 'import-result', ok: false, problem: pageProblem('weightsNoRun', [m.name]) });
          return;
        }
        try {
          t.importWeights(m.bytes);
          toMain({ type: 'import-result', ok: true, problem: pageProblem('weightsLoaded', [m.name, t.modelName]) });
        } catch (e) {
          toMain({ type: 'import-result', ok: false, problem: pageProblem('fileProblem', [m.name], problemOf(e)) });
        }
        return;
      }
      case 'threads':
        setThreads(m.count);
        return;
      case 'debug-hang':
        // Test hook: this thread blocks for good (a wait nobody ends), as a hung worker would.
        if (typeof SharedArrayBuffer === 'function') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        for (;;);
      case 'debug-trap-helper':
        // Test hook: a helper thread traps while this thread waits for it (this worker then traps).
        glue.debugTrapHelper();
        return;
      case 'debug-pool-stress': {
        // Test hook (an idle worker): jobs back to back on every thread; how many tasks did not
        // run exactly once. A pool that loses track of a task never answers.
        setThreads(m.threads);
        const t0 = performance.now();
        while (glue.threadsSupported() && glue.threadHelpers() === 0 && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 20));
        try {
          const t1 = performance.now();
          const wrong = glue.debugPoolStress(m.jobs, m.tasks);
          toMain({ type: 'pool-stress', wrong, helpers: glue.threadHelpers(), ms: performance.now() - t1 });
        } catch (e) {
          toMain({ type: 'pool-stress', error: String(/** @type {Error} */ (e)?.message ?? e) });
        }
        return;
      }
      case 'describe':
        try {
          const model = glue.describeModel(m.config);
          // An Error loses its code and parameters when posted: send the problem as data.
          if (model.memoryProblem) model.memoryProblem = problemOf(model.memoryProblem);
          toMain({ type: 'description', id: m.id, model });
        } catch (e) {
          toMain({ type: 'description', id: m.id, error: problemOf(e) });
        }
        return;
      case 'predict': {
        const t = trainerOf(m.runId);
        toMain({ type: 'prediction', id: m.id, probs: t ? t.predict(m.image) : null });
        return;
      }
      case 'features': {
        // What every convolution computes for one image, and the first layer's filters.
        const t = trainerOf(m.runId);
        toMain({ type: 'features', id: m.id, runId: m.runId, maps: t ? t.featureMaps(m.image) : [], filters: t ? t.firstFilters() : null });
        return;
      }
    }
  } catch (e) {
    const runId = 'runId' in m ? m.runId : undefined;
    // A trap takes the whole worker down, the active run with it: the pool resumes that run
    // elsewhere when the trap was not its own.
    if (isTrap(e)) fatal(e, runId);
    else toMain({ type: 'error', runId, problem: problemOf(e) });
  }
};
