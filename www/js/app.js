// @ts-check
// Wiring: settings ↔ form ↔ URL; the runs store; the trainer pool and the augmentation
// worker; the views. The main thread never trains or augments: it routes messages into the
// runs store and draws. It instantiates the wasm module once, only to read the catalogue.
import { zipSync } from '../vendor/fflate/fflate.js';
import initWasm, { catalog, modelName, describeModel, maxThreads, setMemoryLimit } from '../../depthlab-wasm.js';
import { pickBuild, serviceWorkerCanIsolate } from './threads.js';
import { SettingsModel, PAGE_SETTINGS, text } from './state.js';
import { embedOptions, embedQuery, applyEmbed, connectHost } from './embed.js';
import { RunsStore } from './lab/runs.js';
import { TrainerPool } from './lab/pool.js';
import { RunArchive } from './lab/persist.js';
import { download, fileName, runCsv, sweepCsv, chartPng } from './lab/export.js';
import { SettingsForm } from './views/settings.js';
import { CompareCharts } from './views/charts.js';
import { RunsView, statusText } from './views/runs.js';
import { SweepView, MIN_SWEEP_STEPS } from './views/sweep.js';
import { BatchGrid } from './views/grid.js';
import { DrawPad } from './views/draw.js';
import { FlowView } from './views/heatmap.js';
import { LayerBars, SignalView } from './views/layers.js';
import { ConfusionView, confusion } from './views/confusion.js';
import { FeatureView } from './views/features.js';
import { ArchView } from './views/arch.js';
import { compact, setText, setTitle, fontOf } from './views/dom.js';
import { whenDrawn } from './views/frame.js';
import { LessonsView } from './views/lessons.js';
import { LANGUAGES, pickLanguage, setLanguage, say, pageProblem, isPageProblem, problemOf, useCatalogLabels } from './i18n/index.js';
import { finalMean } from './views/sweep.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** @typedef {import('./lab/runs.js').Run} Run */

/** Test and embedding hooks: read-only views of what the page shows (the selected run). */
const app = {
  settings: /** @type {import('./state.js').Settings} */ ({}),
  phase: 'loading', // loading | idle | running | paused | done (of the selected run)
  losses: /** @type {number[]} */ ([]),
  testAccuracy: /** @type {number[]} */ ([]),
  lastMetrics: /** @type {any} */ (null),
  dataset: /** @type {any} */ (null),
  errors: /** @type {string[]} */ ([]),
  seed: /** @type {number | null} */ (null),
  simd: /** @type {string | undefined} */ (undefined),
  /** The wasm build the trainers run and why (www/js/threads.js). */
  build: /** @type {{threaded: boolean, fma: boolean, reason: string, fmaReason: string, stem: string} | null} */ (null),
  memoryBytes: 0,
  modelName: '',
  probeNames: /** @type {string[]} */ ([]),
  /** The selected run's probe history ({steps, rows}; rows: probeFields.length values per layer). */
  probes: /** @type {import('./lab/runs.js').ProbeHistory | null} */ (null),
  description: /** @type {any} */ (undefined),
  catalog: /** @type {import('./state.js').Catalog | null} */ (null),
  selected: /** @type {number | null} */ (null),
  /** @type {() => Run[]} */ runs: () => [],
  /** The selected run's confusion matrix at its latest evaluation (null: none yet). */
  confusion: () => {
    const t = app.selected === null ? null : store.get(app.selected)?.test;
    return t ? confusion(t) : null;
  },
  workers: 0,
  lang: 'en',
  /** The open lesson's id (null: the index or the lab). */
  lesson: /** @type {string | null} */ (null),
  /** Test hook: a lesson's step budget replaced by this (the e2e tests run lessons shortened). */
  lessonSteps: /** @type {number | null} */ (null),
  /** Bytes one run may take in a worker. */
  memoryLimit: 0,
  /** Test hooks (set once the pool exists). */
  killWorker: /** @type {(slot: number) => void} */ (() => {}),
  trapHelper: /** @type {(slot: number) => void} */ (() => {}),
  dropRunRequests: /** @type {(count: number) => void} */ (() => {}),
  hangWorker: /** @type {(slot: number) => void} */ (() => {}),
  augmentLinks: /** @type {() => Promise<{open: number, runs: number}>} */ (() => Promise.resolve({ open: 0, runs: 0 })),
  /** Starts that took too long and what the pool did about them (see START_DEADLINES_MS). */
  startRescues: /** @type {{slot: number, runId: number, action: string, afterMs: number}[]} */ ([]),
  /** Test hook: slot's worker stresses its thread pool; the answer lands in poolStressResult. */
  poolStress: /** @type {(slot: number, jobs: number, tasks: number) => void} */ (() => {}),
  poolStressResult: /** @type {{wrong?: number, helpers?: number, ms?: number, error?: string} | null} */ (null),
  sweep: /** @type {(req: import('./views/sweep.js').SweepRequest) => number[]} */ (() => []),
  /** The link Copy link gives (settings and every run). */
  link: () => '',
  /** Why the form's configuration would not fit in memory (null: it fits). */
  memoryProblem: /** @type {string | null} */ (null),
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

// The bundled CJK font (app.css), requested now and awaited before any Chinese is laid out
// (after the build is picked, below).
const cjkFont = document.fonts.load(fontOf('16px'), '中文').catch(() => []);
/** The longest the page waits for it before wording itself anyway. */
const FONT_WAIT_MS = 3000;

// ---------- the wasm module and the catalogue ----------
/** @type {WebAssembly.Module} */ let wasmModule;
try {
  wasmModule = await WebAssembly.compileStreaming(fetch(new URL('../../depthlab-wasm_bg.wasm', import.meta.url)));
  await initWasm({ module_or_path: wasmModule });
} catch (e) {
  showError(LANGUAGES[pickLanguage(new URLSearchParams(location.search).get('lang'), navigator.languages ?? []).lang].msg.wasmLoad(String(/** @type {Error} */ (e).message)));
  throw e;
}
// Offline use: the service worker (www/sw.js, copied to the site's root) keeps the build cached
// after this first visit. Without it (a file: page, an insecure origin) the page still works online.
navigator.serviceWorker?.register(new URL('../../sw.js', import.meta.url)).catch((e) => console.warn(`offline use unavailable: ${e}`));
const model = new SettingsModel(catalog());
useCatalogLabels(model.catalog.settings);
// The language first (page-only parameter, like workers and lesson): every message below is worded in it.
const query = new URLSearchParams(location.search);
const picked = pickLanguage(query.get('lang'), navigator.languages ?? [navigator.language]);
let words = LANGUAGES[picked.lang];
setLanguage(picked.lang);
app.lang = picked.lang;
/** The language was chosen (URL or menu), so it goes into links. */
let langChosen = query.get('lang') !== null && picked.error === null;
app.catalog = model.catalog;
const parsed = model.fromQuery(location.search);
const settings = parsed.settings;
app.settings = settings;
const urlErrors = [...parsed.errors];

// Page-only setting: trainer workers in the pool (default: one per core).
const { min: minWorkers, max: maxWorkers } = PAGE_SETTINGS.workers;
const cores = Math.max(minWorkers, Math.min(maxWorkers, navigator.hardwareConcurrency || 2));
const poolQuery = new URLSearchParams(location.search).get('workers');
let poolSize = cores;
if (poolQuery !== null) {
  const n = Number(poolQuery);
  if (/^\d+$/.test(poolQuery) && n >= minWorkers && n <= maxWorkers) poolSize = n;
  else urlErrors.push(words.msg.workersParam(JSON.stringify(poolQuery.slice(0, 20)), minWorkers, maxWorkers, cores));
}
// Page-only setting: most threads per run (threads=1: the single-thread build).
const threadsQuery = query.get('threads');
let threadsCap = /** @type {number | null} */ (null);
if (threadsQuery !== null) {
  const n = Number(threadsQuery);
  if (/^\d+$/.test(threadsQuery) && n >= 1 && n <= maxThreads()) threadsCap = n;
  else urlErrors.push(words.msg.threadsBadParam(JSON.stringify(threadsQuery.slice(0, 20)), maxThreads()));
}
// Page-only setting: fused multiply-add (fma=0: never; fma=1, as links write it: the runs were
// trained fused and only a fused build gives their bits; absent: fused where available).
const fmaQuery = query.get('fma');
const fmaWanted = fmaQuery === '0' ? false : fmaQuery === '1' ? true : null;
if (fmaQuery !== null && fmaWanted === null) urlErrors.push(words.msg.fmaBadParam(JSON.stringify(fmaQuery.slice(0, 20))));
// The wasm build the trainers run (www/js/threads.js): threaded when the page is isolated,
// fused multiply-add where this browser fuses relaxed SIMD.
const build = await pickBuild(threadsCap, fmaWanted);
// Chinese laid out while that font was still loading stayed in boxes in Chromium, some of it
// even after the font arrived, in elements made afterwards too (the charts' legends): the
// page's words go in once it has loaded (it was requested at the start), or after FONT_WAIT_MS.
await Promise.race([cjkFont, new Promise((r) => setTimeout(r, FONT_WAIT_MS))]);
if (fmaWanted === true && !build.fma) urlErrors.push(words.msg.fmaUnavailable);
const threadCores = Math.min(maxThreads(), navigator.hardwareConcurrency || 2);
// Lesson (a page-only parameter, like workers and the language).
if (picked.error) urlErrors.push(picked.error);
/** @type {import('./views/lessons.js').Lesson[]} */
const lessons = /** @type {any} */ (model.catalog).lessons;
const lessonQuery = query.get('lesson');
let lessonOpen = /** @type {string | null | undefined} */ (undefined); // undefined: the lab; null: the index; id: a lesson
if (lessonQuery !== null) {
  if (lessonQuery === '' || lessonQuery === 'index') lessonOpen = null;
  else if (lessons.some((l) => l.id === lessonQuery)) lessonOpen = lessonQuery;
  else {
    urlErrors.push(words.ui.unknownLesson(lessonQuery.slice(0, 60), lessons.map((l) => l.id).join(', ')));
    lessonOpen = null;
  }
} else if (location.search === '') lessonOpen = null; // a fresh visit lands on the lessons
// Embedding (page-only parameters: embed, hide, autostart, host).
const embed = embedOptions(query, words.msg);
urlErrors.push(...embed.errors);
applyEmbed(embed);
// A comparison from a copied link: its runs start once the page is ready.
const runsParam = query.get('runs');
const linkRuns = runsParam === null ? { runs: [], errors: [], places: [] } : model.runsFromQuery(runsParam);
urlErrors.push(...linkRuns.errors);
// Which of them were one depth sweep (their places in runs=): grouped again, its chart shown.
const sweepParam = query.get('sweep');
const linkSweep = sweepParam === null ? { members: [], error: null } : model.sweepFromQuery(sweepParam, linkRuns.places);
if (linkSweep.error) urlErrors.push(linkSweep.error);
/** The host page's connection (set at the end, once the commands exist); `ready` is told once. */
let host = /** @type {{post: (e: Record<string, unknown>) => void} | null} */ (null);
let announced = false;
if (urlErrors.length) showError(urlErrors.join(' · '));

// ---------- controls ----------
const form = new SettingsForm(model, { model: $('settings-model'), training: $('settings-training'), augment: $('settings-augment') }, () => {
  if (!readControls()) return;
  form.write(settings);
  describe();
});
function pageQuery() {
  const extra = [];
  if (poolSize !== cores) extra.push(`workers=${poolSize}`);
  if (langChosen) extra.push(`lang=${app.lang}`);
  if (lessonOpen !== undefined) extra.push(`lesson=${lessonOpen ?? 'index'}`);
  extra.push(...embedQuery(embed));
  // A lesson's link is the lesson itself; the lab's carries every setting.
  const q = lessonOpen === undefined ? model.toQuery(settings) : '';
  const all = [q.replace(/^\?/, ''), ...extra].filter(Boolean).join('&');
  return all ? `?${all}` : '';
}
function readControls() {
  const { settings: next, errors } = form.read(settings);
  if (errors.length) {
    showError(errors.join(' · '));
    return false;
  }
  Object.assign(settings, next);
  history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
  return true;
}
form.write(settings);
const workersSel = $('workers');
for (let n = 1; n <= Math.max(cores, 4); n++) {
  const o = document.createElement('option');
  o.value = String(n);
  o.textContent = String(n);
  workersSel.append(o);
}
workersSel.value = String(poolSize);

// ---------- runs, views ----------
const store = new RunsStore();
app.runs = () => store.list();
const archive = new RunArchive((e) => showInfo(words.msg.archiveUnavailable(e)));
for (const kept of await archive.load()) store.restore(kept);
/** Runs that have ended are kept across reloads. */
const keep = (/** @type {Run} */ r) => {
  if (['done', 'stopped', 'failed'].includes(r.status)) archive.save(r);
};
const nameOf = (/** @type {Run} */ r) => store.nameOf(r, model);
const charts = new CompareCharts($('lossChart'), $('accChart'));
const grid = new BatchGrid($('batchGrid'));
// ---------- inside the network ----------
const fields = model.catalog.probeFields;
const flow = new FlowView({ canvases: [$('heatA'), $('heatB')], captions: [$('heatCapA'), $('heatCapB')], scale: $('heatScale'), tip: $('heatTip') }, fields, (r) => nameOf(r));
const bars = new LayerBars($('layerBars'), fields);
const signal = new SignalView($('signalChart'), fields);
const probeField = $('probeField');
/** A probe statistic's label and help in the page's language. */
const fieldWords = (/** @type {{key: string, label: string, help: string}} */ f) => words.views.probeFields[f.key] ?? f;
function writeFieldOptions() {
  const v = probeField.value || '0';
  probeField.replaceChildren(...fields.map((f, i) => Object.assign(document.createElement('option'), { value: String(i), textContent: words.views.probeFields[f.key] ? fieldWords(f).label : `${f.label} (${f.key.replace('_', ' ')})` })));
  probeField.value = v;
}
writeFieldOptions();
const probeCompare = $('probeCompare');
/** Id of the run shown beside the selected one in the heatmaps (null: none). */
let compareId = /** @type {number | null} */ (null);
probeField.addEventListener('change', () => updateInside());
probeCompare.addEventListener('change', () => {
  compareId = probeCompare.value ? Number(probeCompare.value) : null;
  updateInside();
});
// Test digits come from the augmentation worker (it holds the test set), by index.
let digitsId = 0;
/** @type {Map<number, (bytes: Uint8Array | null) => void>} */
const digitsWaiting = new Map();
/** Test digits by index, as bytes (784 per digit), from the augmentation worker. */
const fetchDigits = (/** @type {number[]} */ indices) => /** @type {Promise<Uint8Array | null>} */ (new Promise((resolve) => {
  const id = ++digitsId;
  digitsWaiting.set(id, resolve);
  toAugment({ type: 'test-images', id, indices });
}));
const testView = new ConfusionView($('testView'), fetchDigits, model.catalog.pixels);
/** The options of "beside it": every other run, by name. */
function writeCompareOptions() {
  const others = store.list().filter((r) => r.id !== app.selected);
  if (compareId !== null && !others.some((r) => r.id === compareId)) compareId = null;
  const want = ['', ...others.map((r) => `${r.id}:${nameOf(r)}`)].join('|');
  if (probeCompare.dataset.options !== want) {
    probeCompare.dataset.options = want;
    probeCompare.replaceChildren(Object.assign(document.createElement('option'), { value: '', textContent: '—' }),
      ...others.map((r) => Object.assign(document.createElement('option'), { value: String(r.id), textContent: nameOf(r) })));
  }
  // Only when it differs: setting a select's value, even to the one it has, makes the browser
  // redo its selection (measured: 3.5 ms of the main thread per refresh while training).
  const value = compareId === null ? '' : String(compareId);
  if (probeCompare.value !== value) probeCompare.value = value;
}
/** Brings the heatmaps, the per-layer bars and the signal view up to date. */
function updateInside() {
  const sel = app.selected === null ? null : store.get(app.selected) ?? null;
  const other = compareId === null ? null : store.get(compareId) ?? null;
  const field = Number(probeField.value);
  setText($('probeHelp'), fieldWords(fields[field]).help);
  writeCompareOptions();
  flow.update({ runs: [sel, other], field, highlight: archSelected });
  const layer = { names: sel?.probeNames ?? [], row: sel?.probes.latest ?? sel?.probes.rows.at(-1) ?? null, field };
  bars.update(layer);
  signal.update(layer);
  testView.update(sel);
}
const runsView = new RunsView($('runs'), {
  select: (id) => select(id),
  toggle: (id, visible) => {
    const r = store.get(id);
    if (r) {
      r.visible = visible;
      keep(r);
    }
    store.changed(r ?? null);
  },
  rename: (id, name) => {
    const r = store.get(id);
    if (r) {
      r.customName = name || null;
      keep(r);
    }
    store.changed(null);
  },
  stop: (id) => {
    pool.stop(id);
    markStopped(id);
    updateQueue();
    store.changed(null);
  },
  duplicate: (id) => {
    const r = store.get(id);
    if (!r) return;
    Object.assign(settings, r.settings);
    form.write(settings);
    history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
    describe();
    showInfo(words.msg.settingsInForm(nameOf(r)));
  },
  csv: (id) => {
    const r = store.get(id);
    if (r) download(new Blob([runCsv(r)], { type: 'text/csv' }), `${fileName(nameOf(r))}.csv`);
  },
  remove: (id) => {
    pool.stop(id);
    const r = store.get(id);
    if (r?.worker != null) pool.send(r.worker, { type: 'discard', runId: id });
    store.remove(id);
    archive.remove(id);
    if (app.selected === id) select(store.list().at(-1)?.id ?? null);
  },
});
let sweepId = Math.max(0, ...store.list().map((r) => r.sweep?.id ?? 0));
const sweepView = new SweepView($('sweep'), model, (req) => {
  if (req.depths.length === 0) {
    showError(words.msg.sweepNoDepth);
    return;
  }
  if (!Number.isInteger(req.overrides.steps) || Number(req.overrides.steps) < MIN_SWEEP_STEPS) {
    showError(words.msg.sweepBudget(MIN_SWEEP_STEPS));
    return;
  }
  startSweep(settings, req);
});
/** Starts a sweep from `base` settings; returns its runs' ids. */
function startSweep(/** @type {import('./state.js').Settings} */ base, /** @type {import('./views/sweep.js').SweepRequest} */ req) {
  sweepId += 1;
  $('banner').hidden = true;
  const added = [];
  for (const family of req.families) {
    for (const depth of req.depths) {
      const s = { ...base, ...req.overrides, model: family, depth };
      const config = model.trainerConfig(s);
      const r = store.add(s, config, modelName(config));
      r.sweep = { id: sweepId, family, depth };
      added.push({ r, config });
    }
  }
  submitLongestFirst(added);
  store.changed(null);
  return added.map((a) => a.r.id);
}
/**
 * Queues runs on the pool, the costliest first (multiply-accumulates per digit × steps), so the
 * last runs to start are the short ones and no worker idles while one long run finishes alone
 * (the residual-fix lesson: 301.6 s in submission order, see the closing note of issue 10).
 */
function submitLongestFirst(/** @type {{r: Run, config: import('./protocol.js').TrainConfigJson}[]} */ runs) {
  const cost = (/** @type {import('./protocol.js').TrainConfigJson} */ c) => {
    try { return describeModel(c).macs * Math.max(1, c.steps || c.epochs * 1000); } catch { return 0; }
  };
  const costs = new Map(runs.map((a) => [a.r.id, cost(a.config)]));
  pool.submitAll([...runs].sort((x, y) => (costs.get(y.r.id) ?? 0) - (costs.get(x.r.id) ?? 0)).map((a) => ({ id: a.r.id, config: a.config })));
  updateQueue();
}
$('sweepCsv').addEventListener('click', () => {
  const runs = store.list().filter((r) => r.sweep?.id === sweepId);
  download(new Blob([sweepCsv(runs)], { type: 'text/csv' }), `depth-sweep-${sweepId}.csv`);
});
for (const [button, chart, name] of [['lossPng', 'lossChart', 'training-loss'], ['accPng', 'accChart', 'accuracy'], ['sweepPng', 'sweep', 'depth-sweep']]) {
  $(button).addEventListener('click', () => chartPng($(chart), `${name}.png`));
}
let predictId = 0;
const pad = new DrawPad($('pad'), $('probs'), (image) => {
  const r = app.selected === null ? null : store.get(app.selected);
  if (r?.worker == null) {
    pad.showProbs(null);
    return;
  }
  showFeatures(r, image.slice(), words.views.drawnDigit);
  pool.send(r.worker, { type: 'predict', id: ++predictId, runId: r.id, image }, [image.buffer]);
});
// ---------- feature maps ----------
const features = new FeatureView($('features'));
let featuresId = 0;
/** Asks the run's worker for the feature maps of `image` (784 floats in [0, 1]). */
function showFeatures(/** @type {Run} */ r, /** @type {Float32Array} */ image, /** @type {string} */ source) {
  if (r.worker === null) return;
  featuresSource = source;
  pool.send(r.worker, { type: 'features', id: ++featuresId, runId: r.id, image }, [image.buffer]);
}
let featuresSource = '';
$('featureShow').addEventListener('click', async () => {
  const r = app.selected === null ? null : store.get(app.selected);
  if (r?.worker == null) {
    showError(words.msg.featuresNoRun);
    return;
  }
  const k = Number($('featureDigit').value);
  const count = app.dataset?.test ?? 0;
  if (!Number.isInteger(k) || k < 0 || k >= count) {
    showError(words.msg.featuresRange(count - 1));
    return;
  }
  const bytes = await fetchDigits([k]);
  if (!bytes) return;
  const image = Float32Array.from(bytes, (v) => v / 255);
  const label = r.test?.labels[k];
  showFeatures(r, image, words.views.testDigit(k, label));
});
$('clearPad').addEventListener('click', () => pad.clear());

/** Marks a run that left the queue before starting as stopped. */
function markStopped(/** @type {number} */ id) {
  const r = store.get(id);
  if (r && r.status === 'queued') {
    r.status = 'stopped';
    keep(r);
    store.changed(r);
  }
}

function select(/** @type {number | null} */ id) {
  app.selected = id;
  const r = id === null ? null : store.get(id);
  // A run kept with its weights from an earlier visit: rebuild it in a worker for the pad and Export.
  if (r && r.worker === null && r.weights && pool.ready) {
    const slot = pool.slots.findIndex((s) => s.ready);
    pool.send(slot, { type: 'restore', runId: r.id, config: r.config, bytes: r.weights.slice() });
  }
  grid.reset();
  features.reset();
  if (r?.preview) grid.update(r.preview);
  pad.showProbs(null);
  refresh(null);
}

/** The phase of the selected run, as the buttons and the tests see it. */
function phaseOf(/** @type {Run | null | undefined} */ r) {
  if (!pool.ready || !app.dataset || app.description === undefined) return 'loading';
  if (!r) return 'idle';
  if (r.status === 'queued' || r.status === 'starting' || r.status === 'running') return 'running';
  if (r.status === 'paused') return 'paused';
  if (r.status === 'done') return 'done';
  return 'idle';
}

/** Brings the hooks, the status panel, the buttons and the views up to date. */
function refresh(/** @type {Run | null} */ changed) {
  const sel = app.selected === null ? null : store.get(app.selected);
  app.phase = phaseOf(sel);
  if (host && !announced && app.phase !== 'loading') {
    announced = true;
    if (linkRuns.runs.length) {
      if (linkSweep.members.length) sweepId += 1;
      const added = linkRuns.runs.map((s, i) => {
        const config = model.trainerConfig(s);
        const r = store.add(s, config, modelName(config));
        if (linkSweep.members.includes(i)) r.sweep = { id: sweepId, family: String(s.model), depth: Number(s.depth) };
        return { r, config };
      });
      if (linkSweep.members.length) $('sweepBox').open = true;
      submitLongestFirst(added);
      select(added[0].r.id);
    }
    host.post({ type: 'ready' });
    if (embed.autostart) hostCommands.start();
  }
  document.body.dataset.phase = app.phase;
  if (!changed || changed === sel) {
    app.losses = sel?.metrics.losses ?? [];
    app.testAccuracy = sel?.metrics.tests.map((t) => t.accuracy) ?? [];
    app.seed = sel?.seed ?? null;
    app.modelName = sel?.modelName ?? '';
    const m = sel?.metrics;
    const last = m?.tests.at(-1);
    setText($('state'), sel ? statusText(sel) : words.views.stateWords[app.phase] ?? app.phase);
    const done = m?.steps.length ?? 0;
    const bpe = sel?.bpe ?? 0;
    setText($('epochText'), !sel || !sel.totalSteps || !bpe ? '–'
      : sel.config.steps > 0 ? words.views.stepOf(done, sel.totalSteps) : words.views.epochOf(Math.min(Math.floor(done / bpe) + 1, sel.config.epochs), sel.config.epochs));
    setText($('rate'), sel?.samplesPerSec ? Math.round(sel.samplesPerSec).toLocaleString() : '–');
    setText($('testAcc'), last ? words.views.accAtEpoch((last.accuracy * 100).toFixed(2), last.epoch) : '–');
    setText($('wait'), sel?.samplesPerSec ? `${(sel.waitFraction * 100).toFixed(1)}%` : '–');
    setText($('params'), sel?.params ? sel.params.toLocaleString() : '–');
    showWithWhy('threadsText', threadsText(sel ?? null));
    showWithWhy('fmaText', fmaText());
    $('progress').value = sel && sel.totalSteps ? done / sel.totalSteps : 0;
  }
  $('start').disabled = app.phase === 'loading' || app.description === null || app.memoryProblem !== null;
  $('pause').disabled = !(app.phase === 'running' || app.phase === 'paused') || sel?.status === 'queued';
  setText($('pause'), app.phase === 'paused' ? words.chrome.resume : words.chrome.pause);
  $('reset').disabled = store.list().length === 0;
  const noWeights = !sel || sel.worker === null || !['running', 'paused', 'done'].includes(sel.status);
  for (const id of ['export', 'exportPytorch', 'exportOnnx']) $(id).disabled = noWeights;
  const visible = store.list().filter((r) => r.visible);
  charts.update(() => ({ runs: visible, name: nameOf }));
  runsView.update(() => ({ runs: store.list(), selected: app.selected, name: nameOf }));
  sweepView.update(store.list().filter((r) => r.sweep?.id === sweepId));
  if (lessonOpen) updateLesson();
  if (!changed || changed === sel || changed.id === compareId) {
    app.probes = sel?.probes ?? null;
    app.probeNames = sel?.probeNames ?? [];
    updateInside();
  }
}
store.subscribe(refresh);

// ---------- workers ----------
const augmentWorker = new Worker(new URL('./workers/augment.worker.js', import.meta.url), { type: 'module' });
/** @typedef {import('./protocol.js').MainToAugment} MainToAugment */
const toAugment = (/** @type {MainToAugment} */ m, /** @type {Transferable[]} */ t = []) => augmentWorker.postMessage(m, t);
augmentWorker.onerror = (e) => showError(words.msg.augmentFailed(e.message));
toAugment({ type: 'init', module: wasmModule });

/**
 * Bytes one run may take: wasm32 addresses 4 GiB (the module keeps a quarter as headroom), and
 * on a device that reports its memory (navigator.deviceMemory, in GiB, capped at 8) at most
 * half of it.
 */
const MEMORY_LIMIT = Math.min(3 * 2 ** 30, (/** @type {any} */ (navigator).deviceMemory ?? 8) * 2 ** 29);
app.memoryLimit = MEMORY_LIMIT;
const pool = new TrainerPool(poolSize, build.module ?? wasmModule, toAugment, onTrainerMessage, (slot, runId, why) => {
  const r = runId === null ? null : store.get(runId);
  // A worker replaced because it never started its run had stopped answering, not crashed.
  const replaced = isPageProblem(why, 'startStalled') ? words.msg.trainerStalled : words.msg.trainerDied;
  showError(`${replaced(slot + 1, typeof why === 'string' ? why : say(why))}${r ? continueOrLose(r) : ''}`);
}, MEMORY_LIMIT, { glue: build.glue, cores: threadCores, cap: threadsCap ?? maxThreads() });
pool.afterDraw = whenDrawn;
app.build = { threaded: build.threaded, fma: build.fma, reason: build.reason, fmaReason: build.fmaReason, stem: build.stem };
// The model descriptions shown here judge memory as the trainer workers do: the same limit, the
// same threads per run.
setMemoryLimit(MEMORY_LIMIT, build.threaded ? pool.maxThreadsPerRun : 1);
/** What the threads row says, [short, why]: threads per run now, or why there is one. */
function threadsText(/** @type {Run | null} */ sel) {
  if (build.threaded) return words.msg.threadsOn(sel?.status === 'running' && sel.threads ? sel.threads : pool.perRun, threadCores);
  return build.reason === 'param' ? words.msg.threadsParam : build.reason === 'missing' ? words.msg.threadsMissing(build.detail) : words.msg.threadsNotIsolated;
}
/** Shows [short, why] in element `id`: the short text, the reason as its tooltip. */
function showWithWhy(/** @type {string} */ id, /** @type {string[]} */ [text, why]) {
  const e = $(id);
  setText(e, text);
  setTitle(e, why);
}
/** What the multiply-add row says. */
const fmaText = () => (build.fma ? words.msg.fmaOn : build.fmaReason === 'param' ? words.msg.fmaParam : words.msg.fmaOff);
// Not isolated, but the service worker (www/sw.js) can add the headers: one click reloads through it.
const threadsEnable = /** @type {HTMLButtonElement} */ ($('threadsEnable'));
const offerThreads = () => {
  threadsEnable.hidden = !(build.reason === 'notIsolated' && threadCores > 1 && serviceWorkerCanIsolate());
  threadsEnable.textContent = words.msg.threadsEnable(threadCores);
};
threadsEnable.addEventListener('click', () => location.reload());
navigator.serviceWorker?.addEventListener('controllerchange', offerThreads);
offerThreads();
app.workers = poolSize;
/** Test hook: kill a trainer worker as a crash would (its run continues from its checkpoint). */
app.killWorker = (/** @type {number} */ i) => pool.kill(i);
/** Test hook: the augmentation worker ignores the next `count` run requests, as if they were lost on the way. */
app.dropRunRequests = (/** @type {number} */ count) => toAugment({ type: 'debug-drop-run', count });
/** Test hook: the thread of trainer worker `i` blocks for good, as a hung worker would. */
app.hangWorker = (/** @type {number} */ i) => pool.send(i, { type: 'debug-hang' });
app.startRescues = pool.startRescues; // the pool's own list, kept up to date by it
/** Test hook: a helper thread of a trainer worker traps (threaded build); the worker goes down with it and is replaced. */
app.trapHelper = (/** @type {number} */ i) => pool.trapHelper(i);
app.poolStress = (/** @type {number} */ i, /** @type {number} */ jobs, /** @type {number} */ tasks) => {
  app.poolStressResult = null;
  pool.poolStress(i, jobs, tasks);
};
/** Test hook: a sweep from the form's settings, bypassing the form's checks (the workers check again). */
app.sweep = (/** @type {import('./views/sweep.js').SweepRequest} */ req) => startSweep(settings, req);
workersSel.addEventListener('change', () => {
  poolSize = Number(workersSel.value);
  pool.resize(poolSize);
  app.workers = poolSize;
  history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
});

/** How many times a run is resumed after its worker died before it is given up. */
const MAX_RESUMES = 2;
/**
 * A run whose worker died: continued from its last in-memory checkpoint on a new worker (its
 * steps after that checkpoint are trained again, bit for bit), started again if it had not
 * trained a step (nothing is lost), or marked failed. Returns the sentence that says which.
 */
function continueOrLose(/** @type {Run} */ r) {
  const from = r.checkpoint ?? (r.status === 'starting' && r.metrics.count === 0 ? null : undefined);
  if (from !== undefined && (r.resumes ?? 0) < MAX_RESUMES && pool.resume(r.id, from)) {
    r.resumes = (r.resumes ?? 0) + 1;
    r.status = 'queued';
    r.worker = null;
    updateQueue();
    store.changed(r);
    return from ? words.msg.runResumed(nameOf(r), from.step) : words.msg.runRestarted(nameOf(r));
  }
  r.status = 'failed';
  r.problem = pageProblem('workerStopped');
  r.message = r.problem.message;
  keep(r);
  store.changed(r);
  return words.msg.runLost(nameOf(r));
}

/** A run that has ended: its status, kept across reloads, the queue moved on. */
function ended(/** @type {Run | undefined} */ r, /** @type {'done' | 'failed'} */ status, /** @type {import('./i18n/index.js').Problem | null} */ problem) {
  if (!r) return;
  r.status = status;
  r.checkpoint = null;
  r.problem = problem;
  r.message = problem?.message ?? '';
  keep(r);
  updateQueue();
  store.changed(r);
}

/** Queue positions change whenever the queue moves. */
function updateQueue() {
  for (const r of store.list()) if (r.status === 'queued') r.queuePos = pool.position(r.id);
}

function onTrainerMessage(/** @type {number} */ slot, /** @type {import('./protocol.js').TrainerToMain | {type: 'assigned', runId: number}} */ m) {
  const r = 'runId' in m && m.runId !== undefined ? store.get(m.runId) : undefined;
  switch (m.type) {
    case 'ready':
      if (!app.simd) {
        app.simd = m.simd;
        app.memoryBytes = m.memoryBytes;
        describe();
      }
      refresh(null);
      return;
    case 'assigned':
      if (!r) return;
      r.status = 'starting';
      r.worker = slot;
      updateQueue();
      store.changed(r);
      return;
    case 'started':
      if (!r) return;
      r.status = r.status === 'paused' ? 'paused' : 'running';
      r.seed = m.seed;
      r.modelName = m.modelName;
      r.params = m.params;
      r.probeNames = m.probeNames;
      r.totalSteps = m.totalSteps;
      r.bpe = m.batchesPerEpoch;
      if (r.id === app.selected) app.memoryBytes = m.memoryBytes;
      store.changed(r);
      return;
    case 'metrics':
      if (!r) return;
      store.addSteps(r, m.steps, m.losses, m.accs, m.hashes);
      r.samplesPerSec = m.samplesPerSec;
      r.threads = m.threads;
      r.waitFraction = m.waitFraction;
      r.elapsed = m.elapsed;
      if (m.probes) store.addProbes(r, m.probeStep, m.probes);
      if (m.preview) r.preview = m.preview;
      if (r.id === app.selected) {
        app.lastMetrics = m;
        app.memoryBytes = m.memoryBytes;
        if (m.preview) grid.update(m.preview);
      }
      store.changed(r);
      return;
    case 'epoch':
      if (!r || r.metrics.tests.some((t) => t.epoch === m.epoch)) return; // a resumed run evaluates again
      r.metrics.tests.push({ step: r.metrics.count, epoch: m.epoch, accuracy: m.testAccuracy, loss: m.testLoss });
      r.test = { ...m.test, epoch: m.epoch };
      store.changed(r);
      return;
    case 'done':
      if (r) r.elapsed = m.elapsed;
      ended(r, 'done', null);
      if (r && $('keepWeights').checked) pool.send(slot, { type: 'export', runId: r.id, keep: true });
      return;
    case 'restored':
      if (r) {
        r.worker = slot;
        store.changed(r);
      }
      return;
    case 'paused':
      // The worker confirms: it stands at this step and takes no other until resumed.
      if (r && r.status === 'paused') {
        r.pausedAt = m.step;
        store.changed(r);
      }
      return;
    case 'stopped':
      if (r && r.status !== 'done' && r.status !== 'failed') r.status = 'stopped';
      if (r) keep(r);
      if (m.memoryBytes && r?.id === app.selected) app.memoryBytes = m.memoryBytes;
      updateQueue();
      store.changed(r ?? null);
      return;
    case 'prediction':
      if (m.id === predictId) pad.showProbs(m.probs);
      return;
    case 'features':
      if (m.id === featuresId && m.runId === app.selected) features.update(m.maps, m.filters, featuresSource);
      return;
    case 'description':
      if (m.id === describeId) showDescription(m);
      return;
    case 'weights': {
      if (m.keep) {
        if (r) {
          r.weights = m.bytes;
          keep(r);
          store.changed(r);
        }
        return;
      }
      download(new Blob([m.bytes], { type: 'application/octet-stream' }), `${fileName(m.modelName)}.safetensors`);
      return;
    }
    case 'export-files': {
      if (m.format === 'onnx') {
        download(new Blob([m.files[0][1]], { type: 'application/octet-stream' }), `${fileName(m.modelName)}.onnx`);
        return;
      }
      // One folder in a .zip: unzip, then `python model.py` checks it and train.py continues.
      const folder = `${fileName(m.modelName)}-pytorch`;
      const zip = zipSync(Object.fromEntries(m.files.map(([name, bytes]) => [`${folder}/${name}`, bytes])));
      download(new Blob([zip], { type: 'application/zip' }), `${folder}.zip`);
      return;
    }
    case 'pool-stress': {
      const { type: _, ...result } = m;
      app.poolStressResult = result;
      return;
    }
    case 'import-result':
      if (m.ok) showInfo(say(m.problem));
      else showError(words.msg.weightsFailed(say(m.problem)));
      return;
    case 'error':
      if (m.fatal && r && ['starting', 'running', 'paused'].includes(r.status)) {
        // The worker's wasm instance trapped mid-run: the pool replaces the worker.
        showError(`${words.msg.runError(nameOf(r), say(m.problem))} ${continueOrLose(r)}`);
        return;
      }
      showError(r ? words.msg.runError(nameOf(r), say(m.problem)) : say(m.problem));
      ended(r, 'failed', m.problem);
      return;
    case 'checkpoint':
      if (r) r.checkpoint = { step: m.step, bytes: m.bytes };
      return;
  }
}

augmentWorker.onmessage = (/** @type {MessageEvent<import('./protocol.js').AugmentToMain>} */ ev) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      toAugment({ type: 'load-bundled' });
      break;
    case 'dataset': {
      const first = !app.dataset;
      app.dataset = { source: m.source, train: m.train, test: m.test };
      writeDataInfo();
      if (!first) showInfo(words.msg.dataLoaded(say(m.source), store.list().some((r) => r.status === 'running')));
      refresh(null);
      break;
    }
    case 'test-images':
      digitsWaiting.get(m.id)?.(m.images);
      digitsWaiting.delete(m.id);
      break;
    case 'dataset-error':
      showError(words.msg.dataFailed(say(m.problem), store.list().some((r) => r.status === 'running')));
      break;
    case 'links':
      linksWaiting.shift()?.({ open: m.open, runs: m.runs });
      break;
  }
};
/** Answers to 'debug-links', first asked first answered. */
/** @type {((links: {open: number, runs: number}) => void)[]} */ const linksWaiting = [];
/** Test hook: the augmentation worker's channels to trainers, and how many have a run. */
app.augmentLinks = () => new Promise((resolve) => {
  linksWaiting.push(resolve);
  toAugment({ type: 'debug-links' });
});

/** The dataset line, in the page's language. */
function writeDataInfo() {
  const d = app.dataset;
  $('dataInfo').textContent = d ? words.msg.dataInfo(say(d.source), d.train.toLocaleString(), d.test.toLocaleString()) : words.chrome.dataLoading;
}

// ---------- model description (cost table) ----------
let describeId = 0;
function describe() {
  if (pool.ready) pool.sendAny({ type: 'describe', id: ++describeId, config: model.trainerConfig(settings, 0) });
}
function cell(/** @type {string} */ tag, /** @type {string} */ text) {
  const c = document.createElement(tag);
  c.textContent = text;
  return c;
}
/** The block selected in the architecture view (its name prefix), highlighted elsewhere. */
let archSelected = /** @type {string | null} */ (null);
const arch = new ArchView($('arch'), (prefix) => {
  archSelected = prefix;
  for (const tr of $('costTable').querySelectorAll('tbody tr')) tr.classList.toggle('hl', prefix !== null && (tr.dataset.name === prefix || tr.dataset.name.startsWith(`${prefix}.`)));
  if (prefix) $('costDetails').open = true;
  updateInside();
});
function showDescription(/** @type {any} */ m) {
  if (m.error) {
    arch.update(null);
    app.description = null;
    app.memoryProblem = null;
    $('costSummary').textContent = words.msg.cannotBuild(say(m.error));
    $('costTable').replaceChildren();
    refresh(null);
    return;
  }
  const d = m.model;
  app.description = d;
  // Too large to train here: say so with the numbers, and Start stays off.
  app.memoryProblem = d.memoryProblem ? say(d.memoryProblem) : null;
  arch.update(d);
  archSelected = null;
  refresh(null);
  const b = (/** @type {string} */ t) => cell('b', t);
  $('costSummary').replaceChildren(...words.views.costSummary(words.modelName(d.name), d.params.toLocaleString(), compact(d.macs)).map(([t, bold]) => (bold ? b(t) : t)),
    words.msg.memoryNote((d.memory.total / 2 ** 20).toFixed(d.memory.total < 10 * 2 ** 20 ? 1 : 0), Number(settings.batch_size)));
  if (app.memoryProblem) $('costSummary').append(cell('strong', ` ${app.memoryProblem}`));
  const rows = d.rows.filter((/** @type {any} */ r) => r.params > 0 || r.macs > 0 || r.kind !== 'relu');
  const head = document.createElement('thead');
  const hr = document.createElement('tr');
  const h = words.views.costHead;
  hr.append(...[h.layer, h.kind, h.output, h.params, h.macs].map((t) => cell('th', t)));
  head.append(hr);
  const body = document.createElement('tbody');
  body.append(...rows.map((/** @type {any} */ r) => {
    const tr = document.createElement('tr');
    tr.dataset.name = r.name;
    tr.append(cell('td', r.name), cell('td', words.views.kinds[r.kind] ?? r.kind), cell('td', r.output.join('×')), cell('td', r.params ? r.params.toLocaleString() : ''), cell('td', r.macs ? compact(r.macs) : ''));
    return tr;
  }));
  $('costTable').replaceChildren(head, body);
}

// ---------- buttons ----------
$('start').addEventListener('click', () => {
  if (!readControls() || !app.description) return;
  $('banner').hidden = true;
  const config = model.trainerConfig(settings);
  const r = store.add(settings, config, app.description.name);
  pool.submit(r.id, config);
  updateQueue();
  select(r.id);
});
$('pause').addEventListener('click', () => {
  const r = app.selected === null ? null : store.get(app.selected);
  if (!r || r.worker === null) return;
  if (r.status === 'running') {
    pool.send(r.worker, { type: 'pause', runId: r.id });
    r.status = 'paused';
  } else if (r.status === 'paused') {
    pool.send(r.worker, { type: 'resume', runId: r.id });
    r.status = 'running';
    r.pausedAt = null;
  }
  store.changed(r);
});
$('reset').addEventListener('click', () => {
  for (const r of store.list()) {
    pool.stop(r.id);
    if (r.worker !== null) pool.send(r.worker, { type: 'discard', runId: r.id });
  }
  for (const r of store.list()) store.remove(r.id);
  archive.clear();
  charts.update(() => ({ runs: [], name: nameOf }));
  grid.reset();
  pad.showProbs(null);
  select(null);
});

/** A link to this page with its settings and every run (each with the seed it used). */
function shareLink() {
  const url = new URL(`${location.origin}${location.pathname}${pageQuery()}`);
  const list = store.list();
  const runs = list.map((r) => ({ ...r.settings, seed: r.seed ?? r.settings.seed }));
  if (runs.length) url.searchParams.set('runs', model.runsToQuery(runs));
  // The latest depth sweep's runs, by their place in runs= (grouped again when opened).
  const swept = list.flatMap((r, i) => (r.sweep?.id === sweepId ? [i + 1] : []));
  if (swept.length) url.searchParams.set('sweep', swept.join(','));
  // The arithmetic the runs were trained with: their bits come back only with the same.
  if (runs.length) url.searchParams.set('fma', build.fma ? '1' : '0');
  return url.href;
}
app.link = shareLink;
$('copyLink').addEventListener('click', async () => {
  const link = shareLink();
  const n = store.list().length;
  try {
    await navigator.clipboard.writeText(link);
    showInfo(words.msg.linkCopied(n));
  } catch {
    showInfo(`${words.msg.linkShown} ${link}`);
  }
});

// ---------- your own files ----------
async function loadFiles(/** @type {FileList | File[]} */ list) {
  const all = await Promise.all(Array.from(list).map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  // Weights go to the selected run's trainer; everything else is data for the augmentation worker.
  const sel = app.selected === null ? null : store.get(app.selected);
  for (const w of all.filter((f) => f.name.endsWith('.safetensors'))) {
    if (sel?.worker == null) showError(words.msg.weightsNoRun(w.name));
    else pool.send(sel.worker, { type: 'import', runId: sel.id, ...w }, [w.bytes.buffer]);
  }
  const files = all.filter((f) => !f.name.endsWith('.safetensors'));
  if (files.length) toAugment({ type: 'load-files', files }, files.map((f) => f.bytes.buffer));
}
for (const [id, format] of /** @type {const} */ ([['export', 'safetensors'], ['exportPytorch', 'pytorch'], ['exportOnnx', 'onnx']])) {
  $(id).addEventListener('click', () => {
    const r = app.selected === null ? null : store.get(app.selected);
    if (r?.worker != null) pool.send(r.worker, { type: 'export', runId: r.id, format });
  });
}
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

// ---------- lessons and languages ----------
const langSel = $('lang');
langSel.replaceChildren(...Object.values(LANGUAGES).map((w) => Object.assign(document.createElement('option'), { value: w.lang, textContent: w.name })));
langSel.value = app.lang;
/** The page chrome the language catalogues cover. */
function applyLanguage() {
  document.documentElement.lang = app.lang === 'zh' ? 'zh-Hans' : 'en';
  offerThreads();
  /** @type {Record<string, unknown>} */ const table = { ...words.ui, ...words.chrome };
  const text = (/** @type {string | undefined} */ key) => { const t = table[key ?? '']; return typeof t === 'string' ? t : key ?? ''; };
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = text(/** @type {HTMLElement} */ (e).dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-title]')) e.setAttribute('title', text(/** @type {HTMLElement} */ (e).dataset.i18nTitle));
  for (const e of document.querySelectorAll('[data-i18n-aria]')) e.setAttribute('aria-label', text(/** @type {HTMLElement} */ (e).dataset.i18nAria));
  writeDataInfo();
  form.translate(words);
  if ($('probs').querySelector('.hint')) pad.showProbs(null);
  sweepView.translate();
  describe();
  setLanguage(app.lang);
  writeFieldOptions();
  runsView.drawnFor = null; // rows are rebuilt in the new language
  refresh(null);
  updateInside();
  features.request();
  showLessonView();
}
langSel.addEventListener('change', () => {
  app.lang = langSel.value;
  words = LANGUAGES[app.lang];
  langChosen = true;
  applyLanguage();
  history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
});
// A web font finished loading: the bundled CJK subset, fetched the first time Chinese text is
// shown where no installed font has it. Canvases (charts, the sweep, the layer views) drew their
// labels before it, in a fallback font (the charts key their rebuilds on `fontEpoch`); and
// Chromium left some text laid out before it in boxes (seen: the export row, with only the
// canvases redrawn). Everything is worded again, as on a language switch.
document.fonts.addEventListener('loadingdone', () => applyLanguage());
/** The runs a lesson started (by the lesson's id). */
let lessonRuns = /** @type {{id: string, runs: number[]} | null} */ (null);
const lessonsView = new LessonsView($('lessons'), lessons, {
  open: (id) => {
    lessonOpen = id;
    showLessonView();
    history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
  },
  lab: () => {
    lessonOpen = undefined;
    showLessonView();
    history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
  },
  run: (l) => runLesson(l),
});
$('showLessons').addEventListener('click', () => {
  lessonOpen = null;
  showLessonView();
  history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
});
function showLessonView() {
  app.lesson = lessonOpen ?? null;
  if (lessonOpen === undefined) {
    lessonsView.hide();
    return;
  }
  const l = lessons.find((x) => x.id === lessonOpen) ?? null;
  lessonsView.show(l, words);
  if (l) {
    // The form shows the lesson's first model (its cost table and architecture).
    Object.assign(settings, lessonSettings(l, l.runs[0] ?? [['model', l.sweep?.families[0] ?? 'plain'], ['depth', String(l.sweep?.depths[0] ?? 20)]]));
    form.write(settings);
    describe();
    updateLesson();
  }
}
/** The catalogue defaults, then the lesson's shared settings, then `pairs`. */
function lessonSettings(/** @type {import('./views/lessons.js').Lesson} */ l, /** @type {[string, string][]} */ pairs) {
  const s = model.defaults();
  for (const [k, v] of [...l.base, ...pairs]) {
    const st = model.byKey.get(k);
    if (st) s[k] = model.parse(st, v);
  }
  if (app.lessonSteps) s.steps = app.lessonSteps;
  return s;
}
function runLesson(/** @type {import('./views/lessons.js').Lesson} */ l) {
  if (!pool.ready || !app.dataset) return;
  const ids = [];
  if (l.sweep) {
    ids.push(...startSweep(lessonSettings(l, []), { families: l.sweep.families, depths: l.sweep.depths, overrides: {} }));
  } else {
    const added = l.runs.map((pairs) => {
      const s = lessonSettings(l, pairs);
      const config = model.trainerConfig(s);
      return { r: store.add(s, config, modelName(config)), config };
    });
    submitLongestFirst(added);
    ids.push(...added.map((a) => a.r.id));
  }
  lessonRuns = { id: l.id, runs: ids };
  const open = (/** @type {string} */ id) => { $(id).open = true; };
  for (const v of l.views) {
    if (v === 'inside') open('inside');
    if (v === 'arch') open('archBox');
    if (v === 'cost') open('costDetails');
    if (v === 'test') open('testBox');
    if (v === 'features') open('featuresBox');
    if (v === 'sweep') open('sweepBox');
  }
  select(ids[0]);
  if (l.views.includes('inside') && ids.length > 1) {
    compareId = ids[ids.length - 1];
    updateInside();
  }
  store.changed(null);
}
/** The open lesson's progress and, once its runs have ended, the sentence measured from them. */
function updateLesson() {
  const l = lessons.find((x) => x.id === lessonOpen);
  if (!l) return;
  const runs = lessonRuns?.id === l.id ? lessonRuns.runs.map((id) => store.get(id)).filter((r) => r !== undefined) : [];
  const ended = runs.filter((r) => ['done', 'stopped', 'failed'].includes(r.status));
  const running = runs.length > 0 && ended.length < runs.length;
  let measured = '';
  if (runs.length && !running) {
    const items = runs.map((r) => {
      const latest = r.probes.latest ?? r.probes.rows.at(-1);
      const L = r.probeNames.length, F = fields.length;
      let macs;
      try { macs = describeModel(r.config).macs; } catch { macs = undefined; }
      return {
        name: nameOf(r),
        loss: r.metrics.losses.length ? finalMean(r.metrics.losses) : undefined,
        acc: r.metrics.tests.at(-1)?.accuracy,
        ratio: latest && L ? latest[0] / latest[(L - 1) * F] : undefined,
        params: r.params || undefined,
        macs,
        rate: r.samplesPerSec || undefined,
      };
    });
    measured = words.measure[l.measure](items);
  }
  lessonsView.setStatus({ running, progress: runs.length ? words.ui.runsOf(ended.length, runs.length) : '', measured });
}
// ---------- the host page (embedding) ----------
/** @type {import('./embed.js').Commands} */
const hostCommands = {
  start: () => {
    const l = lessons.find((x) => x.id === lessonOpen);
    if (l) runLesson(l);
    else $('start').click();
  },
  pause: () => $('pause').click(),
  reset: () => $('reset').click(),
  lesson: (id) => {
    if (!lessons.some((l) => l.id === id)) return words.ui.unknownLesson(id.slice(0, 60), lessons.map((l) => l.id).join(', '));
    lessonOpen = id;
    showLessonView();
    history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
    return null;
  },
  config: (given) => {
    const problems = [];
    for (const [key, value] of Object.entries(given)) {
      const s = model.byKey.get(key);
      if (!s) {
        problems.push(words.msg.commandUnknownSetting(key.slice(0, 60), [...model.byKey.keys()].join(', ')));
        continue;
      }
      try {
        settings[key] = model.parse(s, String(value));
      } catch (e) {
        problems.push(words.msg.commandValue(key, say(problemOf(e)), text(settings[key])));
      }
    }
    form.write(settings);
    describe();
    history.replaceState(null, '', `${location.pathname}${pageQuery()}`);
    return problems;
  },
};
host = connectHost(embed, hostCommands, store, { badCommand: (w) => words.msg.badCommand(w) });
applyLanguage();
refresh(null);

// ---------- warm-up ----------
// Starting runs names them and costs them with this thread's wasm module (modelName,
// describeModel), and V8 compiles a wasm function the first time it is called: the first sweep
// paid ~8 ms per model family inside its click (measured: a 28 ms click, 75% of it compiling). So
// while the page is idle, each family is named and costed once, one family per idle callback.
{
  const families = [...model.presets.values()];
  const idle = (/** @type {() => void} */ f) => ('requestIdleCallback' in window ? requestIdleCallback(f, { timeout: 5_000 }) : setTimeout(f, 50));
  const next = () => {
    const p = families.shift();
    if (!p) return;
    const depth = p.depth?.offered.includes(Number(settings.depth)) ? settings.depth : (p.depth?.offered[0] ?? settings.depth);
    try {
      const config = model.trainerConfig({ ...settings, model: p.preset, depth }, 0);
      modelName(config);
      describeModel(config);
    } catch {
      // A family these settings do not build: nothing to warm (starting it reports the problem).
    }
    idle(next);
  };
  idle(next);
}
