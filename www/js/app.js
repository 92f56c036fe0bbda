// @ts-check
// Wiring: settings ↔ controls ↔ URL, the two workers and their MessageChannel, and the views.
// The main thread never trains or augments; it only routes messages and draws. It does
// instantiate the wasm module once, to read the catalogue of presets and settings.
import initWasm, { catalog } from '../../depthlab-wasm.js';
import { SettingsModel } from './state.js';
import { SettingsForm } from './views/settings.js';
import { TrainingCharts } from './views/charts.js';
import { BatchGrid } from './views/grid.js';
import { DrawPad } from './views/draw.js';
import { GradientView } from './views/grads.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** Test and embedding hooks: read-only views of what the page shows. */
const app = {
  settings: /** @type {import('./state.js').Settings} */ ({}),
  phase: 'loading', // loading | idle | running | paused | done
  losses: /** @type {number[]} */ ([]),
  testAccuracy: /** @type {number[]} */ ([]),
  lastMetrics: /** @type {any} */ (null),
  dataset: /** @type {any} */ (null),
  errors: /** @type {string[]} */ ([]),
  seed: /** @type {number | null} */ (null),
  simd: /** @type {string | undefined} */ (undefined),
  memoryBytes: 0,
  modelName: '',
  probeNames: /** @type {string[]} */ ([]),
  gradNorms: /** @type {number[]} */ ([]),
  description: /** @type {any} */ (undefined),
  catalog: /** @type {import('./state.js').Catalog | null} */ (null),
};
/** @type {any} */ (window).depthlab = app;

// ---------- banner ----------
function showError(/** @type {string} */ msg) {
  app.errors.push(msg);
  const b = $('banner');
  b.hidden = false;
  b.className = 'error';
  b.textContent = msg;
}
function showInfo(/** @type {string} */ msg) {
  const b = $('banner');
  b.hidden = false;
  b.className = 'info';
  b.textContent = msg;
}

// ---------- the wasm module and the catalogue ----------
/** @type {WebAssembly.Module} */ let wasmModule;
try {
  wasmModule = await WebAssembly.compileStreaming(fetch(new URL('../../depthlab-wasm_bg.wasm', import.meta.url)));
  await initWasm({ module_or_path: wasmModule });
} catch (e) {
  showError(`Could not load the WebAssembly module: ${/** @type {Error} */ (e).message}. Depthlab needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+).`);
  throw e;
}
const model = new SettingsModel(catalog());
app.catalog = model.catalog;
const { settings, errors: urlErrors } = model.fromQuery(location.search);
app.settings = settings;
if (urlErrors.length) showError(urlErrors.join(' · '));

// ---------- controls ----------
const AUGMENT_KEYS = model.catalog.settings.filter((s) => s.group === 'augment').map((s) => s.key);
const form = new SettingsForm(model, { model: $('settings-model'), training: $('settings-training'), augment: $('settings-augment') }, (key) => {
  if (!readControls()) return;
  form.write(settings);
  describe();
  if (AUGMENT_KEYS.includes(key)) toAugment({ type: 'set-augment', augment: model.trainerConfig(settings).augment });
});
function readControls() {
  const { settings: next, errors } = form.read(settings);
  if (errors.length) {
    showError(errors.join(' · '));
    return false;
  }
  Object.assign(settings, next);
  history.replaceState(null, '', `${location.pathname}${model.toQuery(settings)}`);
  return true;
}
form.write(settings);

// ---------- views ----------
const charts = new TrainingCharts($('lossChart'), $('accChart'));
const grid = new BatchGrid($('batchGrid'));
const grads = new GradientView($('gradChart'));
let predictId = 0;
const pad = new DrawPad($('pad'), $('probs'), (image) => toTrainer({ type: 'predict', id: ++predictId, image }, [image.buffer]));
$('clearPad').addEventListener('click', () => pad.clear());

function setPhase(/** @type {string} */ phase) {
  app.phase = phase;
  $('state').textContent = phase;
  $('start').disabled = !(phase === 'idle' || phase === 'done') || !app.dataset || app.description === null;
  $('pause').disabled = !(phase === 'running' || phase === 'paused');
  $('pause').textContent = phase === 'paused' ? 'Resume' : 'Pause';
  $('reset').disabled = phase === 'loading' || phase === 'idle';
  $('export').disabled = !(phase === 'running' || phase === 'paused' || phase === 'done');
  document.body.dataset.phase = phase;
}

// ---------- workers ----------
const trainerWorker = new Worker(new URL('./workers/trainer.worker.js', import.meta.url), { type: 'module' });
const augmentWorker = new Worker(new URL('./workers/augment.worker.js', import.meta.url), { type: 'module' });
/** @typedef {import('./protocol.js').MainToTrainer} MainToTrainer */
/** @typedef {import('./protocol.js').MainToAugment} MainToAugment */
const toTrainer = (/** @type {MainToTrainer} */ m, /** @type {Transferable[]} */ t = []) => trainerWorker.postMessage(m, t);
const toAugment = (/** @type {MainToAugment} */ m, /** @type {Transferable[]} */ t = []) => augmentWorker.postMessage(m, t);
trainerWorker.onerror = (e) => showError(`trainer worker failed: ${e.message}`);
augmentWorker.onerror = (e) => showError(`augmentation worker failed: ${e.message}`);

trainerWorker.onmessage = (/** @type {MessageEvent<import('./protocol.js').TrainerToMain>} */ ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      app.simd = m.simd;
      app.memoryBytes = m.memoryBytes;
      describe();
      maybeReady();
      break;
    case 'started':
      app.seed = m.seed;
      app.memoryBytes = m.memoryBytes;
      app.modelName = m.modelName;
      app.probeNames = m.probeNames;
      grads.reset(m.probeNames);
      $('params').textContent = m.params.toLocaleString();
      $('epochText').textContent = `0 / ${m.epochs}`;
      $('rate').textContent = '…';
      break;
    case 'metrics': {
      app.lastMetrics = m;
      app.memoryBytes = m.memoryBytes;
      for (const l of m.losses) app.losses.push(l);
      charts.addSteps(m.steps, m.losses, m.accs);
      const done = m.step / (m.batchesPerEpoch * m.epochs);
      $('progress').value = done;
      $('epochText').textContent = `${Math.min(m.epoch + 1, m.epochs)} / ${m.epochs} · batch ${m.batchInEpoch}/${m.batchesPerEpoch}`;
      $('rate').textContent = Math.round(m.samplesPerSec).toLocaleString();
      $('wait').textContent = `${(m.waitFraction * 100).toFixed(1)}%`;
      if (m.preview) grid.update(m.preview);
      if (m.gradNorms) {
        app.gradNorms = Array.from(m.gradNorms);
        grads.update(m.gradNorms);
      }
      break;
    }
    case 'epoch':
      app.testAccuracy.push(m.testAccuracy);
      charts.addTest(m.testAccuracy);
      $('testAcc').textContent = `${(m.testAccuracy * 100).toFixed(2)}% (epoch ${m.epoch})`;
      break;
    case 'done':
      setPhase('done');
      $('epochText').textContent = `${app.lastMetrics?.epochs ?? ''} / ${app.lastMetrics?.epochs ?? ''} · finished`;
      break;
    case 'prediction':
      if (m.id === predictId) pad.showProbs(m.probs);
      break;
    case 'reset-done':
      app.memoryBytes = m.memoryBytes;
      break;
    case 'description':
      if (m.id === describeId) showDescription(m);
      break;
    case 'weights': {
      const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${m.modelName.replace(/[^A-Za-z0-9-]+/g, '_')}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      break;
    }
    case 'import-result':
      if (m.ok) showInfo(m.message);
      else showError(`Could not load the weights: ${m.message}`);
      break;
    case 'error':
      showError(m.message);
      if (app.phase === 'running') setPhase('paused');
      break;
  }
};

augmentWorker.onmessage = (/** @type {MessageEvent<import('./protocol.js').AugmentToMain>} */ ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      toAugment({ type: 'load-bundled' });
      break;
    case 'dataset': {
      const first = !app.dataset;
      app.dataset = { source: m.source, train: m.train, test: m.test };
      $('dataInfo').textContent = `${m.source}: ${m.train.toLocaleString()} training and ${m.test.toLocaleString()} test digits.`;
      if (!first) showInfo(app.phase === 'running' || app.phase === 'paused' ? `Loaded ${m.source}. The current run continues; press Reset to train on the new data.` : `Loaded ${m.source}.`);
      maybeReady();
      break;
    }
    case 'dataset-error':
      showError(`Could not load the data: ${m.message}${app.phase === 'running' ? ' (training continues on the previous data)' : ''}`);
      break;
  }
};


// ---------- model description (cost table) ----------
let describeId = 0;
function describe() {
  toTrainer({ type: 'describe', id: ++describeId, config: model.trainerConfig(settings, 0) });
}
const fmt = (/** @type {number} */ n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} k` : String(n));
function showDescription(/** @type {any} */ m) {
  if (m.error) {
    app.description = null;
    $('costSummary').textContent = `This model cannot be built: ${m.error}`;
    $('costTable').innerHTML = '';
    setPhase(app.phase);
    return;
  }
  const d = m.model;
  app.description = d;
  setPhase(app.phase);
  $('costSummary').innerHTML = `<b>${d.name}</b>: <b>${d.params.toLocaleString()}</b> parameters, <b>${fmt(d.macs)}</b> multiply-accumulates per digit`;
  const rows = d.rows.filter((/** @type {any} */ r) => r.params > 0 || r.macs > 0 || r.kind !== 'relu');
  $('costTable').innerHTML = `<thead><tr><th>layer</th><th>kind</th><th>output</th><th>params</th><th>MACs</th></tr></thead><tbody>${rows
    .map((/** @type {any} */ r) => `<tr><td>${r.name}</td><td>${r.kind}</td><td>${r.output.join('×')}</td><td>${r.params ? r.params.toLocaleString() : ''}</td><td>${r.macs ? fmt(r.macs) : ''}</td></tr>`)
    .join('')}</tbody>`;
}
function maybeReady() {
  if (app.phase === 'loading' && app.simd && app.dataset) setPhase('idle');
}

const { port1, port2 } = new MessageChannel();
// One compile, shared: both workers instantiate the same module.
toTrainer({ type: 'init', module: wasmModule, port: port1 }, [port1]);
toAugment({ type: 'init', module: wasmModule, port: port2 }, [port2]);

// ---------- buttons ----------
$('start').addEventListener('click', () => {
  if (!readControls()) return;
  $('banner').hidden = true;
  app.losses = [];
  app.testAccuracy = [];
  charts.reset();
  grid.reset();
  $('testAcc').textContent = '–';
  $('progress').value = 0;
  setPhase('running');
  toTrainer({ type: 'start', config: model.trainerConfig(settings) });
});
$('pause').addEventListener('click', () => {
  if (app.phase === 'running') {
    toTrainer({ type: 'pause' });
    setPhase('paused');
  } else if (app.phase === 'paused') {
    toTrainer({ type: 'resume' });
    setPhase('running');
  }
});
$('reset').addEventListener('click', () => {
  toTrainer({ type: 'reset' });
  charts.reset();
  grid.reset();
  grads.reset();
  pad.showProbs(null);
  app.losses = [];
  app.testAccuracy = [];
  for (const id of ['epochText', 'rate', 'testAcc', 'wait']) $(id).textContent = '–';
  $('progress').value = 0;
  setPhase('idle');
});

// ---------- your own files ----------
async function loadFiles(/** @type {FileList | File[]} */ list) {
  const all = await Promise.all(Array.from(list).map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  // Weights go to the trainer; everything else is data for the augmentation worker.
  for (const w of all.filter((f) => f.name.endsWith('.safetensors'))) toTrainer({ type: 'import', ...w }, [w.bytes.buffer]);
  const files = all.filter((f) => !f.name.endsWith('.safetensors'));
  if (files.length) toAugment({ type: 'load-files', files }, files.map((f) => f.bytes.buffer));
}
$('export').addEventListener('click', () => toTrainer({ type: 'export' }));
const drop = $('drop');
drop.addEventListener('dragover', (/** @type {DragEvent} */ e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (/** @type {DragEvent} */ e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer?.files.length) loadFiles(e.dataTransfer.files);
});
$('files').addEventListener('change', () => {
  if ($('files').files.length) loadFiles($('files').files);
  $('files').value = '';
});
