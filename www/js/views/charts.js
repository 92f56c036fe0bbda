// @ts-check
// Loss and accuracy of every visible run, overlaid (uPlot), with a legend: the smoothed
// training loss per step; the smoothed training accuracy per step and the test accuracy at
// each epoch's end (points). Redrawn at most once per animation frame, and not while hidden.
import uPlot from '../../vendor/uplot/uPlot.esm.js';

/** Whole-step tick spacings for the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const HEIGHT = 220;

/** @typedef {import('../lab/runs.js').Run} Run */

export class CompareCharts {
  /** @param {HTMLElement} lossEl @param {HTMLElement} accEl */
  constructor(lossEl, accEl) {
    this.lossEl = lossEl;
    this.accEl = accEl;
    /** @type {uPlot | null} */ this.lossPlot = null;
    /** @type {uPlot | null} */ this.accPlot = null;
    /** What the plots were built for (run ids, names and colours). */
    /** @type {string | null} */ this.key = null;
    this.dirty = false;
    /** @type {() => {runs: Run[], name: (r: Run) => string}} */
    this.source = () => ({ runs: [], name: () => '' });
    new ResizeObserver(() => this.resize()).observe(lossEl);
  }

  /** Redraws from `source()` at the next animation frame. */
  update(/** @type {() => {runs: Run[], name: (r: Run) => string}} */ source) {
    this.source = source;
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      if (this.lossEl.offsetParent === null) return; // hidden: no work
      this.draw();
    });
  }

  draw() {
    const { runs, name } = this.source();
    // Rebuilding a plot costs tens of milliseconds: only when the set of runs changes; a
    // renamed run just gets its legend text changed.
    const key = runs.map((r) => `${r.id}:${r.color}`).join('|');
    if (key !== this.key) this.build(runs, name, key);
    else this.relabel(runs, name);
    const n = Math.max(0, ...runs.map((r) => r.metrics.steps.length));
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const pad = (/** @type {number[]} */ a) => (a.length === n ? a : [...a, ...new Array(n - a.length).fill(null)]);
    this.lossPlot?.setData(/** @type {any} */ ([x, ...runs.map((r) => pad(r.metrics.smoothLoss))]));
    const acc = [x];
    for (const r of runs) {
      acc.push(pad(r.metrics.smoothAcc));
      const test = new Array(n).fill(null);
      for (const t of r.metrics.tests) if (t.step >= 1 && t.step <= n) test[t.step - 1] = t.accuracy;
      acc.push(test);
    }
    this.accPlot?.setData(/** @type {any} */ (acc));
  }

  /** Puts the current names into both legends. */
  relabel(/** @type {Run[]} */ runs, /** @type {(r: Run) => string} */ name) {
    const labels = (/** @type {uPlot | null} */ plot, /** @type {string[]} */ texts) => {
      if (!plot) return;
      const cells = plot.root.querySelectorAll('.u-legend .u-series .u-label');
      texts.forEach((t, i) => {
        const cell = cells[i + 1];
        if (cell && cell.textContent !== t) cell.textContent = t;
      });
    };
    labels(this.lossPlot, runs.map(name));
    labels(this.accPlot, runs.flatMap((r) => [`${name(r)} train`, `${name(r)} test`]));
  }

  /** (Re)builds both plots for this set of runs. */
  build(/** @type {Run[]} */ runs, /** @type {(r: Run) => string} */ name, /** @type {string} */ key) {
    this.key = key;
    this.lossPlot?.destroy();
    this.accPlot?.destroy();
    const width = Math.max(280, this.lossEl.clientWidth);
    const common = { width, height: HEIGHT, legend: { show: true }, cursor: { drag: { x: true, y: false } }, scales: { x: { time: false } } };
    this.lossPlot = new uPlot({
      ...common,
      series: [{ label: 'step' }, ...runs.map((r) => ({ label: name(r), stroke: r.color, width: 2 }))],
      axes: [{ label: 'step', incrs: STEP_INCRS }, { label: 'training loss (smoothed)' }],
    }, [[]], this.lossEl);
    this.accPlot = new uPlot({
      ...common,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [
        { label: 'step' },
        ...runs.flatMap((r) => [
          { label: `${name(r)} train`, stroke: r.color, width: 1.5 },
          { label: `${name(r)} test`, stroke: r.color, width: 0, spanGaps: true, points: { show: true, size: 7, fill: r.color } },
        ]),
      ],
      axes: [{ label: 'step', incrs: STEP_INCRS }, { values: (_u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
    }, [[]], this.accEl);
  }

  resize() {
    const width = Math.max(280, this.lossEl.clientWidth);
    this.lossPlot?.setSize({ width, height: HEIGHT });
    this.accPlot?.setSize({ width, height: HEIGHT });
  }
}
