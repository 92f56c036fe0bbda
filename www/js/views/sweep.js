// @ts-check
// The depth sweep: two model families (default plain-N vs ResNet-N v1, option A) at several
// depths, every run at one step budget, trained on the pool; then final training loss (mean of
// the last 10% of steps) and test error against depth — the ResNet paper's Fig. 1 and 6 in
// miniature. The form is built from the catalogue (families are the presets with a depth
// rule); the chart redraws at most once per animation frame and not while hidden.
import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { el } from './dom.js';
import { requestDraw, watch } from './frame.js';

/** @typedef {import('../lab/runs.js').Run} Run */
/** @typedef {import('../state.js').SettingsModel} SettingsModel */
/** @typedef {{families: string[], depths: number[], overrides: Record<string, string | number>}} SweepRequest */

/**
 * What a sweep changes in the form's settings by default: a budget chosen so that the default
 * sweep (6 runs on a 2-core machine) finishes within 5 minutes and plain nets' degradation
 * shows (see the closing note of the lab issue for the measurements).
 */
export const SWEEP_DEFAULTS = Object.freeze({ families: ['plain', 'resnet'], depths: [8, 20, 32], overrides: { steps: 120, batch_size: 32, schedule: 'cosine' } });

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
    const families = model.catalog.presets.filter((p) => p.depth);
    const famSelect = (/** @type {string} */ id, /** @type {string} */ value) => {
      const s = el('select', { id, 'aria-label': id === 'sweepA' ? 'first family' : 'second family' });
      for (const p of families) {
        const o = el('option', { value: p.preset }, p.label);
        s.append(o);
      }
      s.value = value;
      return s;
    };
    this.famA = famSelect('sweepA', SWEEP_DEFAULTS.families[0]);
    this.famB = famSelect('sweepB', SWEEP_DEFAULTS.families[1]);
    this.depthsBox = el('span', { class: 'depths' });
    this.steps = el('input', { id: 'sweepSteps', type: 'number', min: '10', max: '100000', step: '10', value: String(SWEEP_DEFAULTS.overrides.steps) });
    const run = el('button', { id: 'runSweep', type: 'button', class: 'primary' }, 'Run sweep');
    this.note = el('p', { class: 'note' });
    /** Progress of the latest sweep. */
    this.progress = el('p', { class: 'note', id: 'sweepProgress', 'aria-live': 'polite' });
    const row1 = el('div', { class: 'row sweep-row' });
    row1.append(this.famA, el('span', {}, 'vs'), this.famB);
    const row2 = el('div', { class: 'row sweep-row' });
    row2.append(el('span', {}, 'depths'), this.depthsBox);
    const row3 = el('div', { class: 'row sweep-row' });
    const stepsLabel = el('label', {}, 'steps per run ');
    stepsLabel.append(this.steps);
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
    this.writeNote();
  }

  /** Depth checkboxes: the depths both families offer (the defaults ticked). */
  writeDepths() {
    const offered = (/** @type {string} */ f) => this.model.presets.get(f)?.depth?.offered ?? [];
    const b = new Set(offered(this.famB.value));
    const common = offered(this.famA.value).filter((d) => b.has(d));
    this.depthsBox.replaceChildren(...common.map((d) => {
      const l = el('label', { class: 'check' });
      const c = el('input', { type: 'checkbox', value: String(d) });
      c.checked = SWEEP_DEFAULTS.depths.includes(d);
      l.append(c, ` ${d}`);
      return l;
    }));
  }

  writeNote() {
    const o = SWEEP_DEFAULTS.overrides;
    this.note.textContent = `Each run: the form's settings with batch ${o.batch_size}, a ${o.schedule} schedule and this step budget, from the same seed. Runs go on the pool; the chart fills in as they finish.`;
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
    const steps = runs.reduce((a, r) => a + r.metrics.steps.length, 0);
    const total = runs.reduce((a, r) => a + Number(r.settings.steps), 0);
    this.progress.textContent = runs.length
      ? `${ended} of ${runs.length} runs ended · ${total ? Math.floor((100 * steps) / total) : 0}% of the sweep's steps`
      : '';
    const families = [...new Set(runs.map((r) => /** @type {NonNullable<Run['sweep']>} */ (r.sweep).family))];
    const depths = [...new Set(runs.map((r) => /** @type {NonNullable<Run['sweep']>} */ (r.sweep).depth))].sort((a, b) => a - b);
    const label = (/** @type {string} */ f) => this.model.presets.get(f)?.label ?? f;
    const key = families.join('|') + depths.join(',');
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
      const colors = ['#dc2626', '#2563eb', '#16a34a', '#9333ea'];
      this.plot = new uPlot({
        width, height: 200, legend: { show: true },
        scales: { x: { time: false }, err: { range: [0, 1] } },
        series: [
          { label: 'depth' },
          ...families.flatMap((f, i) => [
            { label: `${label(f)}: final training loss`, stroke: colors[i], width: 2, points: { show: true, size: 6 } },
            { label: `${label(f)}: test error`, stroke: colors[i], width: 1, dash: [6, 4], scale: 'err', points: { show: true, size: 5 } },
          ]),
        ],
        axes: [{ label: 'depth (weighted layers)', values: (_u, t) => t.map((v) => (depths.includes(v) ? String(v) : '')) },
          { label: 'final training loss' }, { side: 1, scale: 'err', label: 'test error', grid: { show: false }, values: (_u, t) => t.map((v) => `${Math.round(v * 100)}%`) }],
      }, [[]], this.chartEl);
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
