// @ts-check
// Loss and accuracy charts (uPlot). Data is appended as metrics arrive and drawn at most once
// per animation frame.
import uPlot from '../../vendor/uplot/uPlot.esm.js';

const EMA = 0.95;
/** Whole-step tick spacings for the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

export class TrainingCharts {
  /** @param {HTMLElement} lossEl @param {HTMLElement} accEl */
  constructor(lossEl, accEl) {
    this.lossEl = lossEl;
    this.accEl = accEl;
    this.dirty = false;
    /** @type {number[][]} */ this.loss = [[], [], []]; // step, raw, smoothed
    /** @type {(number | null)[][]} */ this.acc = [[], [], []]; // step, train (smoothed), test
    this.emaLoss = 0;
    this.emaAcc = 0;
    this.n = 0;
    this.steps = 0;
    this.reset();
    new ResizeObserver(() => this.resize()).observe(lossEl);
  }

  reset() {
    this.loss = [[], [], []];
    this.acc = [[], [], []];
    this.emaLoss = 0;
    this.emaAcc = 0;
    this.n = 0;
    this.steps = 0;
    this.lossPlot?.destroy();
    this.accPlot?.destroy();
    const width = Math.max(280, this.lossEl.clientWidth);
    const common = { width, height: 220, legend: { show: true }, cursor: { drag: { x: true, y: false } }, scales: { x: { time: false } } };
    this.lossPlot = new uPlot({
      ...common,
      series: [{ label: 'step' }, { label: 'loss', stroke: 'rgba(37,99,235,0.25)', width: 1 }, { label: 'smoothed', stroke: '#2563eb', width: 2 }],
      axes: [{ label: 'step', incrs: STEP_INCRS }, {}],
    }, /** @type {any} */ (this.loss), this.lossEl);
    this.accPlot = new uPlot({
      ...common,
      scales: { x: { time: false }, y: { range: [0, 1] } },
      series: [
        { label: 'step' },
        { label: 'train', stroke: '#16a34a', width: 2 },
        { label: 'test', stroke: '#dc2626', width: 2, spanGaps: true, points: { show: true, size: 7, fill: '#dc2626' } },
      ],
      axes: [{ label: 'step', incrs: STEP_INCRS }, { values: (_u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
    }, /** @type {any} */ (this.acc), this.accEl);
  }

  /** Appends per-step training metrics. */
  addSteps(/** @type {number[]} */ steps, /** @type {number[]} */ losses, /** @type {number[]} */ accs) {
    for (let i = 0; i < steps.length; i++) {
      // Bias-corrected exponential moving average (as in Adam): no lag from a zero start.
      this.n += 1;
      this.emaLoss = EMA * this.emaLoss + (1 - EMA) * losses[i];
      this.emaAcc = EMA * this.emaAcc + (1 - EMA) * accs[i];
      const debias = 1 - EMA ** this.n;
      this.loss[0].push(steps[i]);
      this.loss[1].push(losses[i]);
      this.loss[2].push(this.emaLoss / debias);
      this.acc[0].push(steps[i]);
      this.acc[1].push(this.emaAcc / debias);
      this.acc[2].push(null);
      this.steps = steps[i];
    }
    this.schedule();
  }

  /** Marks the test accuracy at the current step. */
  addTest(/** @type {number} */ accuracy) {
    const n = this.acc[2].length;
    if (n) this.acc[2][n - 1] = accuracy;
    this.schedule();
  }

  schedule() {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.lossPlot?.setData(/** @type {any} */ (this.loss));
      this.accPlot?.setData(/** @type {any} */ (this.acc));
    });
  }

  resize() {
    const width = Math.max(280, this.lossEl.clientWidth);
    this.lossPlot?.setSize({ width, height: 220 });
    this.accPlot?.setSize({ width, height: 220 });
  }
}
