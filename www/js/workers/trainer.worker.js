// @ts-check
// The trainer worker: owns the wasm Trainer, pulls batches from the augmentation worker over
// its MessagePort (keeping PREFETCH requested ahead), trains, and reports metrics to the main
// thread at most METRICS_HZ times a second. A message loop, nothing more.
import init, { Trainer, simdBackend, randomSeed, describeModel, catalog } from '../../../depthlab-wasm.js';
import { PREFETCH, METRICS_HZ } from '../protocol.js';

/** @typedef {import('../protocol.js').TrainerToMain} TrainerToMain */
/** @typedef {import('../protocol.js').TrainerToAugment} TrainerToAugment */
const toMain = (/** @type {TrainerToMain} */ m, /** @type {Transferable[]} */ t = []) => self.postMessage(m, t);
const toAugment = (/** @type {TrainerToAugment} */ m, /** @type {Transferable[]} */ t = []) => port?.postMessage(m, t);

/** Pixels per digit, from the catalogue once the module is loaded. */
let PIXELS = 0;

/** @type {MessagePort | null} */ let port = null;
/** @type {any} */ let wasm = null;
const memoryBytes = () => wasm?.memory.buffer.byteLength ?? 0;
/** @type {Trainer | null} */ let trainer = null;
let runId = 0;
let running = false;
let looping = false;
/** Batches received and not yet trained on, in order. */
let queue = /** @type {any[]} */ ([]);
/** @type {null | ((b: any) => void)} */ let waiter = null;
let run = /** @type {any} */ (null);

// A zero-delay yield (setTimeout(0) is clamped to 4 ms when nested).
const tick = new MessageChannel();
/** @type {((v?: unknown) => void)[]} */ const tickWaiters = [];
tick.port1.onmessage = () => tickWaiters.shift()?.();
const yieldNow = () => new Promise((r) => { tickWaiters.push(r); tick.port2.postMessage(0); });

function nextBatch() {
  if (queue.length) return Promise.resolve(queue.shift());
  return new Promise((r) => (waiter = r));
}

function onPortMessage(/** @type {MessageEvent<import('../protocol.js').AugmentToTrainer>} */ ev) {
  const m = ev.data;
  if (m.runId !== runId) return; // a batch of an earlier run
  switch (m.type) {
    case 'run-ready':
      run.bpe = m.batchesPerEpoch;
      trainer?.setStepBudget(run.bpe * run.epochs);
      run.testImages = m.testImages;
      run.testLabels = m.testLabels;
      run.calibImages = m.calibImages;
      if (!trainer) return;
      toMain({ type: 'started', epochs: run.epochs, seed: run.seed, params: trainer.paramCount, modelName: trainer.modelName, probeNames: trainer.probeNames(), batchesPerEpoch: m.batchesPerEpoch, trainCount: m.trainCount, testCount: m.testLabels.length, memoryBytes: memoryBytes() });
      toAugment({ type: 'need', runId, count: PREFETCH });
      loop();
      return;
    case 'run-error':
      toMain({ type: 'error', message: `could not start: ${m.message}` });
      return;
    case 'batch':
      run.batchesReceived += 1;
      run.producedByAugmenter = m.produced;
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(m);
      } else queue.push(m);
  }
}

function flushMetrics(now) {
  if (!run.pending.steps.length) return;
  const p = run.pending;
  const elapsed = (now - run.startTime - run.pausedTime) / 1000;
  const busy = run.trainTime + run.waitTime;
  toMain({
    type: 'metrics',
    steps: p.steps, losses: p.losses, accs: p.accs,
    step: run.step, epoch: run.epoch, batchInEpoch: run.step % run.bpe, batchesPerEpoch: run.bpe, epochs: run.epochs,
    samplesPerSec: run.samples / Math.max(run.trainTime + run.waitTime, 1e-9) * 1000,
    waitFraction: busy > 0 ? run.waitTime / busy : 0,
    elapsed, batchesReceived: run.batchesReceived, producedByAugmenter: run.producedByAugmenter, memoryBytes: memoryBytes(),
    preview: p.preview,
    gradNorms: trainer?.gradNorms(),
  }, p.preview ? [p.preview.buffer] : []);
  run.pending = { steps: [], losses: [], accs: [], preview: null };
  run.lastFlush = now;
}

async function evaluateEpoch(epoch) {
  if (!trainer) return;
  const t0 = performance.now();
  trainer.calibrateBatchNorm(run.calibImages);
  const s = trainer.evaluate(run.testImages, run.testLabels);
  toMain({ type: 'epoch', epoch, testAccuracy: s.accuracy, testLoss: s.loss, evalMs: performance.now() - t0 });
}

async function loop() {
  if (looping) return;
  looping = true;
  const myRun = runId;
  try {
    while (running && trainer && myRun === runId && run.step < run.totalSteps) {
      const w0 = performance.now();
      const b = await nextBatch();
      if (myRun !== runId || !trainer) break;
      if (!running) {
        queue.unshift(b); // paused while waiting: keep the batch for resume
        break;
      }
      const t0 = performance.now();
      run.waitTime += t0 - w0;
      toAugment({ type: 'need', runId, count: 1 });
      const images = b.images.subarray(0, b.n * PIXELS);
      const labels = b.labels.subarray(0, b.n);
      const s = trainer.trainStep(images, labels);
      const t1 = performance.now();
      run.trainTime += t1 - t0;
      run.samples += b.n;
      run.step += 1;
      const p = run.pending;
      p.steps.push(run.step);
      p.losses.push(s.loss);
      p.accs.push(s.accuracy);
      if (!p.preview && t1 - run.lastPreview > 250) {
        const k = Math.min(b.n, 32);
        p.preview = new Uint8Array(k * PIXELS);
        for (let i = 0; i < k * PIXELS; i++) p.preview[i] = images[i] * 255;
        run.lastPreview = t1;
      }
      toAugment({ type: 'recycle', images: b.images, labels: b.labels }, [b.images.buffer, b.labels.buffer]);
      if (t1 - run.lastFlush > 1000 / METRICS_HZ) flushMetrics(t1);
      if (run.step % run.bpe === 0) {
        flushMetrics(performance.now());
        run.epoch = run.step / run.bpe;
        await evaluateEpoch(run.epoch);
      }
      if (!Number.isFinite(s.loss)) {
        flushMetrics(performance.now());
        toMain({ type: 'error', message: 'training diverged (the loss is no longer a number); lower the learning rate and press Reset' });
        running = false;
        break;
      }
      await yieldNow(); // let pause/predict/reset messages in
    }
    if (run && myRun === runId && run.step >= run.totalSteps) {
      flushMetrics(performance.now());
      running = false;
      toMain({ type: 'done', step: run.step });
    }
  } catch (e) {
    running = false;
    toMain({ type: 'error', message: String(/** @type {any} */ (e).message ?? e) });
  } finally {
    looping = false;
  }
}

function reset() {
  runId += 1;
  running = false;
  queue = [];
  waiter = null;
  trainer?.free();
  trainer = null;
  run = null;
  toAugment({ type: 'stop' });
}

self.onmessage = async (/** @type {MessageEvent<import('../protocol.js').MainToTrainer>} */ ev) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'init':
        wasm = await init({ module_or_path: m.module });
        PIXELS = catalog().pixels;
        port = m.port;
        port.onmessage = onPortMessage;
        toMain({ type: 'ready', simd: simdBackend(), memoryBytes: memoryBytes() });
        return;
      case 'start': {
        reset();
        const c = m.config;
        const seed = typeof c.seed === 'number' && Number.isInteger(c.seed) ? c.seed : randomSeed();
        trainer = new Trainer({ ...c, seed });
        running = true;
        const now = performance.now();
        run = {
          seed, epochs: c.epochs, step: 0, epoch: 0, bpe: 0, get totalSteps() { return this.bpe * this.epochs; },
          samples: 0, trainTime: 0, waitTime: 0, startTime: now, pausedTime: 0, lastFlush: now, lastPreview: -1e9,
          batchesReceived: 0, producedByAugmenter: 0, pending: { steps: [], losses: [], accs: [], preview: null },
        };
        toAugment({ type: 'run', runId, seed, batchSize: c.batch_size, augment: c.augment });
        return;
      }
      case 'pause':
        if (running) {
          running = false;
          run.pauseStart = performance.now();
        }
        return;
      case 'resume':
        if (trainer && run && !running && run.step < run.totalSteps) {
          running = true;
          run.pausedTime += performance.now() - (run.pauseStart ?? performance.now());
          // The batch the loop was waiting for may be queued already; restart the loop.
          loop();
        }
        return;
      case 'reset':
        reset();
        toMain({ type: 'reset-done', memoryBytes: memoryBytes() });
        return;
      case 'export': {
        if (!trainer) {
          toMain({ type: 'error', message: 'there are no weights to export yet: start a run first' });
          return;
        }
        const bytes = trainer.exportWeights();
        toMain({ type: 'weights', bytes: /** @type {Uint8Array<ArrayBuffer>} */ (bytes), modelName: trainer.modelName }, [bytes.buffer]);
        return;
      }
      case 'import': {
        if (!trainer) {
          toMain({ type: 'import-result', ok: false, message: `${m.name}: start (or pause) a run of the model these weights belong to, then drop them again` });
          return;
        }
        try {
          trainer.importWeights(m.bytes);
          toMain({ type: 'import-result', ok: true, message: `Loaded weights from ${m.name} into ${trainer.modelName}.` });
        } catch (e) {
          toMain({ type: 'import-result', ok: false, message: `${m.name}: ${/** @type {any} */ (e).message ?? e}` });
        }
        return;
      }
      case 'describe': {
        try {
          toMain({ type: 'description', id: m.id, model: describeModel(m.config) });
        } catch (e) {
          toMain({ type: 'description', id: m.id, error: String(/** @type {any} */ (e).message ?? e) });
        }
        return;
      }
      case 'predict': {
        if (!trainer) {
          toMain({ type: 'prediction', id: m.id, probs: null });
          return;
        }
        const probs = trainer.predict(m.image);
        toMain({ type: 'prediction', id: m.id, probs });
        return;
      }
    }
  } catch (e) {
    toMain({ type: 'error', message: String(/** @type {any} */ (e).message ?? e) });
  }
};
