// @ts-check
// Loss and accuracy of every visible run, overlaid (uPlot), with a legend: the smoothed
// training loss per step; the smoothed training accuracy per step and the test accuracy at
// each epoch's end (points). Each chart is drawn through the frame scheduler (at most once per
// animation frame, the two in separate draws so a rebuild of both never lands in one frame),
// and not while hidden.
import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { requestDraw, watch } from './frame.js';
import { setText, fontOf, fontEpoch } from './dom.js';
import { words } from '../i18n/index.js';

/**
 * A new uPlot in `parent`, laid out and drawn before this returns. uPlot's constructor otherwise
 * draws in a microtask, after the frame scheduler's draw has returned, so the scheduler's time
 * budget missed the costliest part of a build (measured: 9 ms of microtasks in the frame after a
 * sweep starts, on top of 17 ms of draws). Its axes draw in the page's fonts (`fontOf`): a
 * chart's canvas gets none from CSS. Callers rebuild a chart when `fontEpoch()` changes.
 * @param {uPlot.Options} options
 * @param {HTMLElement} parent
 */
export function plotNow(options, parent) {
  const axes = options.axes?.map((a) => ({ font: fontOf('12px'), labelFont: fontOf('bold 12px'), ...a }));
  return new uPlot(axes ? { ...options, axes } : options, [[]], (u, init) => {
    parent.appendChild(u.root);
    u.batch(init);
  });
}

/** Whole-step tick spacings for the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const HEIGHT = 220;

/** @typedef {import('../lab/runs.js').Run} Run */
/** @typedef {() => {runs: Run[], name: (r: Run) => string}} Source */

/**
 * One overlay chart: rebuilt only when the set of runs (ids and colours) changes — a build
 * costs tens of milliseconds — otherwise new data, and new legend texts for renamed runs.
 */
class Overlay {
  /**
   * @param {string} key the frame scheduler's key
   * @param {HTMLElement} root
   * @param {(runs: Run[], name: (r: Run) => string) => uPlot.Options} options
   * @param {(runs: Run[], x: number[]) => (number | null)[][]} columns the y columns at the steps `x`
   * @param {(runs: Run[], name: (r: Run) => string) => string[]} labels legend texts, one per y column
   * @param {(runs: Run[], name: (r: Run) => string) => string} summary the chart in words
   */
  constructor(key, root, options, columns, labels, summary) {
    this.key = key;
    this.root = root;
    this.summarize = summary;
    // The chart in words, under it: what a screen reader reads (the canvas is hidden from it).
    this.summary = document.createElement('p');
    this.summary.className = 'chart-summary';
    this.summary.id = `${root.id}-summary`;
    root.after(this.summary);
    root.setAttribute('aria-describedby', this.summary.id);
    this.options = options;
    this.columns = columns;
    this.labels = labels;
    /** @type {uPlot | null} */ this.plot = null;
    /** @type {string | null} */ this.builtFor = null;
    /** @type {Source} */ this.source = () => ({ runs: [], name: () => '' });
    this.view = watch(root, () => this.request());
  }

  update(/** @type {Source} */ source) {
    this.source = source;
    this.request();
  }

  request() {
    requestDraw(this.key, () => this.draw());
  }

  draw() {
    if (!this.view.shown) return; // hidden: no work (drawn when shown again)
    const { runs, name } = this.source();
    const text = this.summarize(runs, name);
    setText(this.summary, text);
    const width = Math.max(280, this.view.width);
    const builtFor = `${words().lang}:${fontEpoch()}:${runs.map((r) => `${r.id}:${r.color}`).join('|')}`;
    if (builtFor !== this.builtFor) {
      // A new plot in this frame, its data in the next: the two are the costly parts.
      this.builtFor = builtFor;
      this.plot?.destroy();
      this.plot = plotNow({ ...this.options(runs, name), width, height: HEIGHT }, this.root);
      this.request();
      return;
    }
    const plot = this.plot;
    if (!plot) return;
    const x = stepAxis(runs);
    // batch(): uPlot draws now rather than in a microtask, inside the frame scheduler's budget.
    plot.batch(() => {
      if (plot.width !== width) plot.setSize({ width, height: HEIGHT });
      this.relabel(this.labels(runs, name));
      plot.setData(/** @type {any} */ ([x, ...this.columns(runs, x)]));
    });
  }

  /** Puts the current names into the legend. */
  relabel(/** @type {string[]} */ texts) {
    if (!this.plot) return;
    const cells = this.plot.root.querySelectorAll('.u-legend .u-series .u-label');
    texts.forEach((t, i) => {
      const cell = cells[i + 1];
      if (cell) setText(cell, t);
    });
  }
}

/**
 * The x values of a chart: every step at which some run has a point (runs past
 * MAX_CURVE_POINTS keep every 2nd, 4th… step, on a common grid), in order.
 */
function stepAxis(/** @type {Run[]} */ runs) {
  // Runs that all keep every step from step 1 (the usual case): 1…n without a merge.
  if (runs.every((r) => r.metrics.stride === 1 && r.metrics.steps[0] === 1 && r.metrics.steps.length === r.metrics.steps.at(-1))) {
    const n = Math.max(0, ...runs.map((r) => r.metrics.steps.length));
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  const all = new Set();
  for (const r of runs) {
    for (const s of r.metrics.steps) all.add(s);
    for (const t of r.metrics.tests) all.add(t.step);
  }
  return [...all].sort((a, b) => a - b);
}

/** `values` (at `steps`) placed on the axis `x`, null where the run has no point. */
function onAxis(/** @type {number[]} */ x, /** @type {number[]} */ steps, /** @type {number[]} */ values) {
  if (steps.length === values.length && steps.every((s, i) => x[i] === s)) return x.length === values.length ? values : [...values, ...new Array(x.length - values.length).fill(null)];
  const out = new Array(x.length).fill(null);
  let j = 0;
  for (let i = 0; i < steps.length; i++) {
    while (j < x.length && x[j] < steps[i]) j++;
    if (x[j] === steps[i]) out[j] = values[i];
  }
  return out;
}

const common = { legend: { show: true }, cursor: { drag: { x: true, y: false } }, scales: { x: { time: false } } };

export class CompareCharts {
  /** @param {HTMLElement} lossEl @param {HTMLElement} accEl */
  constructor(lossEl, accEl) {
    this.loss = new Overlay('charts-loss', lossEl, (runs, name) => ({
      ...common, width: 0, height: 0,
      series: [{ label: words().views.stepAxis }, ...runs.map((r) => ({ label: name(r), stroke: r.color, width: 2 }))],
      axes: [{ label: words().views.stepAxis, incrs: STEP_INCRS }, { label: words().views.lossAxis }],
    }), (runs, x) => runs.map((r) => onAxis(x, r.metrics.steps, r.metrics.smoothLoss)), (runs, name) => runs.map(name), (runs, name) => {
      const w = words().views;
      const items = runs.filter((r) => r.metrics.steps.length).map((r) => w.lossItem(name(r), r.metrics.smoothLoss[r.metrics.smoothLoss.length - 1].toFixed(3), r.metrics.steps[r.metrics.steps.length - 1]));
      return items.length ? w.lossSummary(items) : w.noCurves;
    });
    this.acc = new Overlay('charts-acc', accEl, (runs, name) => ({
      ...common, width: 0, height: 0,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [
        { label: words().views.stepAxis },
        ...runs.flatMap((r) => [
          { label: words().views.trainSeries(name(r)), stroke: r.color, width: 1.5 },
          { label: words().views.testSeries(name(r)), stroke: r.color, width: 0, spanGaps: true, points: { show: true, size: 7, fill: r.color } },
        ]),
      ],
      axes: [{ label: words().views.stepAxis, incrs: STEP_INCRS }, { label: words().views.accAxis, values: (_u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
    }), (runs, x) => runs.flatMap((r) => {
      const tests = r.metrics.tests.filter((t) => t.step >= 1).sort((a, b) => a.step - b.step);
      return [onAxis(x, r.metrics.steps, r.metrics.smoothAcc), onAxis(x, tests.map((t) => t.step), tests.map((t) => t.accuracy))];
    }), (runs, name) => runs.flatMap((r) => [words().views.trainSeries(name(r)), words().views.testSeries(name(r))]), (runs, name) => {
      const w = words().views;
      const pct = (/** @type {number} */ v) => (v * 100).toFixed(1);
      const items = runs.filter((r) => r.metrics.steps.length).map((r) => {
        const test = r.metrics.tests.at(-1);
        return w.accItem(name(r), pct(r.metrics.smoothAcc[r.metrics.smoothAcc.length - 1]), test ? pct(test.accuracy) : null, r.metrics.steps[r.metrics.steps.length - 1]);
      });
      return items.length ? w.accSummary(items) : w.noCurves;
    });
  }

  /** Redraws both charts from `source()` (each at an animation frame). */
  update(/** @type {Source} */ source) {
    this.loss.update(source);
    this.acc.update(source);
  }
}
