// @ts-check
// The depth sweep: two model families (default plain-N vs ResNet-N v1, option A) at several
// depths, every run at one step budget, trained on the pool; then final training loss (mean of
// the last 10% of steps) and test error against depth — the ResNet paper's Fig. 1 and 6 in
// miniature. The form is built from the catalogue (families are the presets with a depth
// rule); the chart redraws at most once per animation frame and not while hidden.
import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { el, setText, fontEpoch } from './dom.js';
import { requestDraw, watch } from './frame.js';
import { words } from '../i18n/index.js';
import { PALETTE } from '../lab/runs.js';
import { plotNow } from './charts.js';

/** @typedef {import('../lab/runs.js').Run} Run */
/** @typedef {import('../state.js').SettingsModel} SettingsModel */
/** @typedef {{families: string[], depths: number[], overrides: Record<string, string | number | boolean | null>}} SweepRequest */

/** The smallest step budget a sweep accepts. */
export const MIN_SWEEP_STEPS = 10;

/**
 * The default sweep and what it changes in the form's settings, from the catalogue
 * (depthlab_nn::catalog::LAB_SWEEP and SWEEP_BUDGET: 6 runs on a 2-core machine within about
 * 5 minutes, plain nets' degradation showing); the seed stays the form's.
 * @param {SettingsModel} model
 */
export function sweepDefaults(model) {
  const s = model.catalog.sweep;
  /** @type {Record<string, string | number | boolean | null>} */ const overrides = {};
  for (const [k, v] of s.budget) {
    const setting = model.byKey.get(k);
    if (setting && k !== 'seed') overrides[k] = model.parse(setting, v);
  }
  return { families: s.families, depths: s.depths, overrides };
}

/** Mean of the last 10% (at least one) of `xs`. */
export function finalMean(/** @type {number[]} */ xs) {
  const k = Math.max(1, Math.floor(xs.length / 10));
  const tail = xs.slice(-k);
  return tail.reduce((a, b) => a + b, 0) / (tail.length || 1);
}

export class SweepView {
  /**
   * @param {HTMLElement} root where the form and the chart go
   * @param {SettingsModel} model
   * @param {(req: SweepRequest) => void} onRun
   */
  constructor(root, model, onRun) {
    this.model = model;
    const SWEEP_DEFAULTS = sweepDefaults(model);
    this.defaults = SWEEP_DEFAULTS;
    const families = model.catalog.presets.filter((p) => p.depth);
    const famSelect = (/** @type {string} */ id, /** @type {string} */ value) => {
      const s = el('select', { id });
      for (const p of families) s.append(el('option', { value: p.preset }));
      s.value = value;
      return s;
    };
    this.famA = famSelect('sweepA', SWEEP_DEFAULTS.families[0]);
    this.famB = famSelect('sweepB', SWEEP_DEFAULTS.families[1]);
    this.depthsBox = el('span', { class: 'depths' });
    this.steps = el('input', { id: 'sweepSteps', type: 'number', min: String(MIN_SWEEP_STEPS), max: '100000', step: '10', value: String(SWEEP_DEFAULTS.overrides.steps) });
    const run = el('button', { id: 'runSweep', type: 'button', class: 'primary' });
    this.note = el('p', { class: 'note' });
    /** Progress of the latest sweep. */
    this.progress = el('p', { class: 'note', id: 'sweepProgress', 'aria-live': 'polite' });
    const row1 = el('div', { class: 'row sweep-row' });
    const vs = el('span');
    row1.append(this.famA, vs, this.famB);
    const row2 = el('div', { class: 'row sweep-row' });
    const depthsWord = el('span');
    row2.append(depthsWord, this.depthsBox);
    const row3 = el('div', { class: 'row sweep-row' });
    const stepsLabel = el('label');
    const stepsWord = el('span');
    stepsLabel.append(stepsWord, ' ', this.steps);
    /** Writes the form's words in the page's language. */
    this.translate = () => {
      const w = words();
      for (const [sel, aria] of /** @type {[HTMLSelectElement, string][]} */ ([[this.famA, w.views.firstFamily], [this.famB, w.views.secondFamily]])) {
        sel.setAttribute('aria-label', String(aria));
        for (const o of sel.options) o.textContent = w.presets[o.value] ?? this.model.presets.get(o.value)?.label ?? o.value;
      }
      run.textContent = w.views.runSweep;
      vs.textContent = w.views.vs;
      depthsWord.textContent = w.views.depths;
      stepsWord.textContent = w.views.stepsPerRun;
      this.writeNote();
      this.key = '';
      requestDraw('sweep', () => this.draw());
    };
    row3.append(stepsLabel, run);
    this.chartEl = el('div', { class: 'sweep-chart' });
    root.append(row1, row2, row3, this.note, this.progress, this.chartEl);
    const refreshDepths = () => this.writeDepths();
    this.famA.addEventListener('change', refreshDepths);
    this.famB.addEventListener('change', refreshDepths);
    this.writeDepths();
    run.addEventListener('click', () => {
      const depths = [...this.depthsBox.querySelectorAll('input:checked')].map((i) => Number(/** @type {HTMLInputElement} */ (i).value));
      const steps = Number(this.steps.value);
      onRun({ families: [this.famA.value, this.famB.value], depths, overrides: { ...SWEEP_DEFAULTS.overrides, steps } });
    });
    /** @type {uPlot | null} */ this.plot = null;
    this.key = '';
    /** What the plot shows (width and data), to skip redrawing the same. */
    this.plotted = '';
    this.view = watch(this.chartEl, () => requestDraw('sweep', () => this.draw()));
    /** @type {Run[]} */ this.runs = [];
    this.translate();
  }

  /** Depth checkboxes: the depths both families offer (the defaults ticked). */
  writeDepths() {
    const offered = (/** @type {string} */ f) => this.model.presets.get(f)?.depth?.offered ?? [];
    const b = new Set(offered(this.famB.value));
    const common = offered(this.famA.value).filter((d) => b.has(d));
    this.depthsBox.replaceChildren(...common.map((d) => {
      const l = el('label', { class: 'check' });
      const c = el('input', { type: 'checkbox', value: String(d) });
      c.checked = this.defaults.depths.includes(d);
      l.append(c, ` ${d}`);
      return l;
    }));
  }

  writeNote() {
    const o = this.defaults.overrides;
    const w = words();
    this.note.textContent = w.views.sweepNote(Number(o.batch_size), w.choices[String(o.schedule)] ?? String(o.schedule));
  }

  /** Redraws the chart from the runs of the latest sweep. */
  update(/** @type {Run[]} */ runs) {
    this.runs = runs;
    requestDraw('sweep', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return; // hidden: no work (drawn when shown again)
    const runs = this.runs.filter((r) => r.sweep);
    const ended = runs.filter((r) => ['done', 'stopped', 'failed'].includes(r.status)).length;
    const steps = runs.reduce((a, r) => a + r.metrics.count, 0);
    const total = runs.reduce((a, r) => a + Number(r.settings.steps), 0);
    setText(this.progress, runs.length
      ? words().views.sweepProgress(ended, runs.length, total ? Math.floor((100 * steps) / total) : 0)
      : '');
    const families = [...new Set(runs.map((r) => /** @type {NonNullable<Run['sweep']>} */ (r.sweep).family))];
    const depths = [...new Set(runs.map((r) => /** @type {NonNullable<Run['sweep']>} */ (r.sweep).depth))].sort((a, b) => a - b);
    const w = words();
    const label = (/** @type {string} */ f) => w.presets[f] ?? this.model.presets.get(f)?.label ?? f;
    const key = `${w.lang}:${fontEpoch()}:${families.join('|')}${depths.join(',')}`;
    if (!runs.length) {
      this.plot?.destroy();
      this.plot = null;
      this.key = '';
      return;
    }
    const width = Math.max(280, this.view.width);
    if (key !== this.key) {
      this.key = key;
      this.plot?.destroy();
      this.plot = plotNow({
        width, height: 200, legend: { show: true },
        scales: { x: { time: false }, err: { range: [0, 1] } },
        series: [
          { label: w.views.depth },
          ...families.flatMap((f, i) => [
            { label: w.views.sweepLoss(label(f)), stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: true, size: 6 } },
            { label: w.views.sweepErr(label(f)), stroke: PALETTE[i % PALETTE.length], width: 1, dash: [6, 4], scale: 'err', points: { show: true, size: 5 } },
          ]),
        ],
        axes: [{ label: w.views.depthAxis, values: (_u, t) => t.map((v) => (depths.includes(v) ? String(v) : '')) },
          { label: w.views.finalLoss }, { side: 1, scale: 'err', label: w.views.testError, grid: { show: false }, values: (_u, t) => t.map((v) => `${Math.round(v * 100)}%`) }],
      }, this.chartEl);
      this.plotted = '';
      requestDraw('sweep', () => this.draw()); // its data in the next frame
      return;
    }
    /** @type {(number | null)[][]} */ const data = [depths];
    for (const f of families) {
      const at = (/** @type {number} */ d) => runs.find((r) => r.sweep?.family === f && r.sweep.depth === d && r.status === 'done');
      data.push(depths.map((d) => { const r = at(d); return r ? finalMean(r.metrics.losses) : null; }));
      data.push(depths.map((d) => { const t = at(d)?.metrics.tests.at(-1); return t ? 1 - t.accuracy : null; }));
    }
    // The points change only when a run ends: redraw only then (or on a resize).
    const plotted = `${width}:${JSON.stringify(data)}`;
    const plot = this.plot;
    if (!plot || plotted === this.plotted) return;
    this.plotted = plotted;
    plot.batch(() => {
      if (plot.width !== width) plot.setSize({ width, height: 200 });
      plot.setData(/** @type {any} */ (data));
    });
  }
}
