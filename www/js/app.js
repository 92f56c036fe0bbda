// @ts-check
// Wiring: settings ↔ controls ↔ URL, the two workers and their MessageChannel, and the views.
// The main thread never trains or augments; it only routes messages and draws.
import { fromQuery, toQuery, trainerConfig, modelConfig, MODELS, DEPTHS } from './state.js';
import { TrainingCharts } from './views/charts.js';
import { BatchGrid } from './views/grid.js';
import { DrawPad } from './views/draw.js';
import { GradientView } from './views/grads.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

const { settings, errors: urlErrors } = fromQuery(location.search);
/** Test and embedding hooks: read-only views of what the page shows. */
const app = {
  settings,
  phase: 'loading', // loading | idle | running | paused | done
  losses: /** @type {number[]} */ ([]),
  testAccuracy: /** @type {number[]} */ ([]),
  lastMetrics: /** @type {any} */ (null),
  dataset: /** @type {any} */ (null),
  errors: /** @type {string[]} */ ([]),
  seed: /** @type {number | null} */ (null),
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
if (urlErrors.length) showError(urlErrors.join(' · '));

// ---------- controls ----------
const inputs = ['model', 'depth', 'activation', 'shortcut', 'unit', 'cardinality', 'width', 'aux', 'noShortcuts',
  'optimizer', 'lr', 'momentum', 'batchSize', 'epochs', 'seed', 'augment', 'strength', 'noise'];
$('model').innerHTML = Object.entries(MODELS).map(([k, m]) => `<option value="${k}">${m.label}</option>`).join('');
function writeControls() {
  const family = MODELS[settings.model].depths;
  $('depth').innerHTML = (family ? DEPTHS[family] : []).map((d) => `<option value="${d}">${d}</option>`).join('');
  const opts = MODELS[settings.model].options;
  document.querySelectorAll('[data-opt]').forEach((e) => ((/** @type {HTMLElement} */ (e)).hidden = !opts.includes(/** @type {HTMLElement} */ (e).dataset.opt ?? '')));
  for (const k of inputs) {
    const el = $(k);
    const v = /** @type {any} */ (settings)[k];
    if (el.type === 'checkbox') el.checked = v;
    else el.value = v === null ? '' : String(v);
  }
  $('strengthOut').textContent = Number(settings.strength).toFixed(1);
  $('noiseOut').textContent = Number(settings.noise).toFixed(2);
  document.querySelectorAll('.sgd-only').forEach((e) => ((/** @type {HTMLElement} */ (e)).hidden = settings.optimizer !== 'sgd'));
}
function readControls() {
  const q = new URLSearchParams();
  const keyOf = { activation: 'act', optimizer: 'opt', momentum: 'mom', batchSize: 'bs', augment: 'aug', shortcut: 'sc', cardinality: 'card', noShortcuts: 'nosc' };
  for (const k of inputs) {
    const el = $(k);
    // An option the model does not take (e.g. depth for LeNet-5) keeps its current value.
    const v = el.type === 'checkbox' ? (el.checked ? '1' : '0') : el.value.trim() || (k === 'seed' ? '' : String(/** @type {any} */ (settings)[k]));
    q.set(/** @type {any} */ (keyOf)[k] ?? k, k === 'seed' && v === '' ? 'random' : v);
  }
  // A model change keeps the depth only if the new family has it.
  const family = MODELS[q.get('model') ?? settings.model]?.depths;
  if (family && !DEPTHS[family].includes(Number(q.get('depth')))) q.set('depth', '20');
  const { settings: next, errors } = fromQuery(`?${q}`);
  if (errors.length) {
    showError(errors.map((e) => e.replace('URL parameter ', 'Setting ')).join(' · '));
    return false;
  }
  Object.assign(settings, next);
  history.replaceState(null, '', `${location.pathname}${toQuery(settings)}`);
  return true;
}
for (const k of inputs) {
  $(k).addEventListener('change', () => {
    if (readControls()) {
      writeControls();
      describe();
      if (['augment', 'strength', 'noise'].includes(k)) augmentWorker.postMessage({ type: 'set-augment', augment: trainerConfig(settings, 0).augment });
    }
  });
}
$('strength').addEventListener('input', () => ($('strengthOut').textContent = Number($('strength').value).toFixed(1)));
$('noise').addEventListener('input', () => ($('noiseOut').textContent = Number($('noise').value).toFixed(2)));
$('dice').addEventListener('click', () => {
  $('seed').value = String(Math.floor(Math.random() * 2 ** 31));
  $('seed').dispatchEvent(new Event('change'));
});
writeControls();

// ---------- views ----------
const charts = new TrainingCharts($('lossChart'), $('accChart'));
const grid = new BatchGrid($('batchGrid'));
const grads = new GradientView($('gradChart'));
let predictId = 0;
const pad = new DrawPad($('pad'), $('probs'), (image) => trainerWorker.postMessage({ type: 'predict', id: ++predictId, image }, [image.buffer]));
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
trainerWorker.onerror = (e) => showError(`trainer worker failed: ${e.message}`);
augmentWorker.onerror = (e) => showError(`augmentation worker failed: ${e.message}`);

trainerWorker.onmessage = (/** @type {MessageEvent} */ ev) => {
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
      $('epochText').textContent = `0 / ${settings.epochs}`;
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
      $('epochText').textContent = `${settings.epochs} / ${settings.epochs} · finished`;
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

augmentWorker.onmessage = (/** @type {MessageEvent} */ ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      augmentWorker.postMessage({ type: 'load-bundled' });
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
  trainerWorker.postMessage({ type: 'describe', id: ++describeId, model: modelConfig(settings) });
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
WebAssembly.compileStreaming(fetch(new URL('../../depthlab-wasm_bg.wasm', import.meta.url)))
  .then((module) => {
    // One compile, shared: both workers instantiate the same module.
    trainerWorker.postMessage({ type: 'init', module, port: port1 }, [port1]);
    augmentWorker.postMessage({ type: 'init', module, port: port2 }, [port2]);
  })
  .catch((e) => showError(`Could not load the WebAssembly module: ${e.message}. Depthlab needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+).`));

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
  trainerWorker.postMessage({ type: 'start', config: trainerConfig(settings, settings.seed ?? Number.NaN) });
});
$('pause').addEventListener('click', () => {
  if (app.phase === 'running') {
    trainerWorker.postMessage({ type: 'pause' });
    setPhase('paused');
  } else if (app.phase === 'paused') {
    trainerWorker.postMessage({ type: 'resume' });
    setPhase('running');
  }
});
$('reset').addEventListener('click', () => {
  trainerWorker.postMessage({ type: 'reset' });
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
  for (const w of all.filter((f) => f.name.endsWith('.safetensors'))) trainerWorker.postMessage({ type: 'import', ...w }, [w.bytes.buffer]);
  const files = all.filter((f) => !f.name.endsWith('.safetensors'));
  if (files.length) augmentWorker.postMessage({ type: 'load-files', files }, files.map((f) => f.bytes.buffer));
}
$('export').addEventListener('click', () => trainerWorker.postMessage({ type: 'export' }));
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
