// @ts-check
// The augmentation worker: holds the dataset, turns it into shuffled, augmented batches (in
// wasm) and sends them straight to each trainer of the pool over that trainer's MessagePort,
// as transferable buffers, only when the trainer asks (credit-based backpressure). One worker
// serves every run: each port has at most one run, and batches are produced per credit, so the
// runs interleave. A message loop, nothing more.
import init, { DigitSet, Augmenter, catalog } from '../../../depthlab-wasm.js';
import { problemOf, pageProblem, pageError } from '../i18n/index.js';

/** @typedef {import('../protocol.js').AugmentToMain} AugmentToMain */
/** @typedef {import('../protocol.js').AugmentToTrainer} AugmentToTrainer */
const toMain = (/** @type {AugmentToMain} */ m, /** @type {Transferable[]} */ t = []) => self.postMessage(m, t);
const toTrainer = (/** @type {MessagePort} */ port, /** @type {AugmentToTrainer} */ m, /** @type {Transferable[]} */ t = []) => port.postMessage(m, t);

/** Pixels per digit and batch-norm calibration digits, from the catalogue once loaded. */
let PIXELS = 0;
let CALIBRATION_DIGITS = 0;

const BUNDLED = {
  trainImages: '../../data/train-images-idx3-ubyte.gz',
  trainLabels: '../../data/train-labels-idx1-ubyte.gz',
  testImages: '../../data/test-images-idx3-ubyte.gz',
  testLabels: '../../data/test-labels-idx1-ubyte.gz',
};

/** @type {{train: DigitSet, test: DigitSet, source: import('../i18n/index.js').Problem} | null} */ let data = null;
/**
 * One trainer's port and its active run: augmenter, next sequence number, credits, recycled buffers.
 * @typedef {{id: number, aug: Augmenter, seq: number, bpe: number, credits: number, free: {images: Float32Array, labels: Uint8Array}[]}} Run
 * @typedef {{port: MessagePort, run: Run | null}} Link
 */
let produced = 0;
/** The channels to trainers, by id ('connect', 'disconnect'). */
/** @type {Map<number, Link>} */ const links = new Map();
/** Test hook: 'run' requests still to ignore, as if lost on the way ('debug-drop-run'). */
let dropRuns = 0;

async function fetchBytes(url) {
  const r = await fetch(new URL(url, import.meta.url));
  if (!r.ok) throw new Error(`could not fetch ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

function describe(set) {
  return { type: 'dataset', source: data?.source, train: data?.train.length, test: data?.test.length, ...set };
}

/** Seed of the shuffle before a single dropped set's test split is held out. */
const HOLDOUT_SEED = 20240;

/** Classifies dropped files into image/label and train/test by name, then parses them. */
function parseFiles(files) {
  if (files.length !== 2 && files.length !== 4) {
    throw pageError('dropCount', [files.length]);
  }
  const isLabel = (f) => /idx1|label/i.test(f.name);
  const isTest = (f) => /t10k|test/i.test(f.name);
  const pick = (pred, what) => {
    const found = files.filter(pred);
    if (found.length !== 1) throw pageError('whichFile', [what, found.length]);
    return found[0];
  };
  const parse = (img, lbl) => {
    try {
      return DigitSet.fromIdx(img.bytes, lbl.bytes);
    } catch (e) {
      throw pageError('pairProblem', [img.name, lbl.name], problemOf(e));
    }
  };
  if (files.length === 2) {
    const lbl = pick(isLabel, 'labels');
    const img = pick((f) => !isLabel(f), 'images');
    const all = parse(img, lbl);
    let mixed = null;
    try {
      if (all.length < 10) throw pageError('tooFewDigits', [img.name, all.length]);
      // Shuffled (fixed seed) before the last fifth is held out: files are often sorted.
      mixed = all.shuffled(HOLDOUT_SEED);
      const cut = Math.floor(mixed.length * 0.8);
      return { train: mixed.slice(0, cut), test: mixed.slice(cut, mixed.length), source: pageProblem('heldOut', [img.name, cut, mixed.length - cut]) };
    } finally {
      all.free();
      mixed?.free();
    }
  }
  const train = parse(pick((f) => !isTest(f) && !isLabel(f), 'training images'), pick((f) => !isTest(f) && isLabel(f), 'training labels'));
  try {
    const test = parse(pick((f) => isTest(f) && !isLabel(f), 'test images'), pick((f) => isTest(f) && isLabel(f), 'test labels'));
    return { train, test, source: { message: files.map((f) => f.name).join(', ') } };
  } catch (e) {
    train.free(); // nothing of a failed drop stays in memory
    throw e;
  }
}

/** Sends batches while the trainer has credits. */
function pump(/** @type {Link} */ link) {
  const { port, run } = link;
  if (!run) return;
  while (run.credits > 0) {
    const size = run.aug.batchSize;
    const buf = run.free.pop() ?? { images: new Float32Array(size * PIXELS), labels: new Uint8Array(size) };
    const epoch = Math.floor(run.seq / run.bpe);
    const index = run.seq % run.bpe;
    const n = run.aug.fillBatch(epoch, index, buf.images, buf.labels);
    toTrainer(port, { type: 'batch', runId: run.id, seq: run.seq, epoch, index, n, images: buf.images, labels: buf.labels, produced: ++produced }, [buf.images.buffer, buf.labels.buffer]);
    run.seq += 1;
    run.credits -= 1;
  }
}

function onPortMessage(/** @type {Link} */ link, /** @type {MessageEvent<import('../protocol.js').TrainerToAugment>} */ ev) {
  const m = ev.data;
  const { port } = link;
  const run = link.run?.id === m.runId ? link.run : null;
  switch (m.type) {
    case 'run': {
      if (dropRuns > 0) {
        dropRuns -= 1;
        return;
      }
      link.run?.aug.free();
      link.run = null;
      if (!data) {
        toTrainer(port, { type: 'run-error', runId: m.runId, problem: pageProblem('noDataset') });
        return;
      }
      try {
        const aug = new Augmenter(data.train, m.batchSize, m.seed, m.augment);
        const r = { id: m.runId, aug, seq: Math.max(0, Math.floor(m.startAt) || 0), bpe: aug.batchesPerEpoch(), credits: 0, free: [] };
        link.run = r;
        const testImages = data.test.imagesF32();
        const testLabels = data.test.labels();
        // The first clean training digits, for batch-norm recalibration before evaluations.
        const calib = data.train.slice(0, Math.min(CALIBRATION_DIGITS, data.train.length));
        const calibImages = calib.imagesF32();
        calib.free();
        toTrainer(port, { type: 'run-ready', runId: m.runId, batchesPerEpoch: r.bpe, trainCount: data.train.length, testImages, testLabels, calibImages }, [testImages.buffer, testLabels.buffer, calibImages.buffer]);
      } catch (e) {
        toTrainer(port, { type: 'run-error', runId: m.runId, problem: problemOf(e) });
      }
      return;
    }
    case 'need':
      if (run) {
        run.credits += m.count;
        pump(link);
      }
      return;
    case 'recycle':
      if (run && m.images.length === run.aug.batchSize * PIXELS) run.free.push({ images: m.images, labels: m.labels });
      return;
    case 'stop':
      run?.aug.free();
      if (run) link.run = null;
      return;
  }
}

self.onmessage = async (/** @type {MessageEvent<import('../protocol.js').MainToAugment>} */ ev) => {
  const m = ev.data;
  try {
    switch (m.type) {
      case 'init':
        await init({ module_or_path: m.module });
        ({ pixels: PIXELS, calibrationDigits: CALIBRATION_DIGITS } = catalog());
        toMain({ type: 'ready' });
        return;
      case 'connect': {
        /** @type {Link} */ const link = { port: m.port, run: null };
        m.port.onmessage = (e) => onPortMessage(link, e);
        links.set(m.link, link);
        return;
      }
      case 'disconnect': {
        // Its trainer is gone: whatever run it had will ask for nothing more.
        const link = links.get(m.link);
        link?.run?.aug.free();
        link?.port.close();
        links.delete(m.link);
        return;
      }
      case 'debug-links':
        toMain({ type: 'links', open: links.size, runs: [...links.values()].filter((l) => l.run).length });
        return;
      case 'debug-drop-run':
        dropRuns = m.count;
        return;
      case 'load-bundled': {
        const [ti, tl, vi, vl] = await Promise.all([BUNDLED.trainImages, BUNDLED.trainLabels, BUNDLED.testImages, BUNDLED.testLabels].map(fetchBytes));
        data = { train: DigitSet.fromIdx(ti, tl), test: DigitSet.fromIdx(vi, vl), source: pageProblem('bundled') };
        toMain(describe({}));
        return;
      }
      case 'test-images': {
        // Test digits by index, as bytes (for the confusion matrix and the gallery of errors).
        if (!data) {
          toMain({ type: 'test-images', id: m.id, images: null, message: 'no dataset is loaded' });
          return;
        }
        const all = data.test.imagesF32();
        const n = data.test.length;
        const out = new Uint8Array(m.indices.length * PIXELS);
        m.indices.forEach((idx, k) => {
          if (!Number.isInteger(idx) || idx < 0 || idx >= n) return; // left blank
          for (let j = 0; j < PIXELS; j++) out[k * PIXELS + j] = Math.round(all[idx * PIXELS + j] * 255);
        });
        toMain({ type: 'test-images', id: m.id, images: out }, [out.buffer]);
        return;
      }
      case 'load-files': {
        const parsed = parseFiles(m.files); // throws before touching the current data
        data?.train.free();
        data?.test.free();
        data = parsed;
        toMain(describe({}));
        return;
      }
    }
  } catch (e) {
    toMain({ type: 'dataset-error', problem: problemOf(e) });
  }
};
