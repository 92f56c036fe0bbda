// @ts-check
// Gradient flow over time: for one probe statistic (default ‖∂L/∂W‖), a heatmap of layers
// (input at the bottom) against training step, colour = log10 of the value for norms and ratios.
// Two runs side by side share one colour scale, so "the first layers of the plain sigmoid net
// get 1000× less gradient than the ResNet's" reads off the colours. Hover shows the values.
// Drawn through the frame scheduler, not while hidden.
import { requestDraw, watch } from './frame.js';
import { setText, setTitle, fontOf } from './dom.js';
import { PixelImage } from './pixels.js';
import { words } from '../i18n/index.js';

/** @typedef {import('../lab/runs.js').Run} Run */
/** @typedef {{key: string, label: string, help: string, log: boolean}} ProbeField */
/** @typedef {{runs: (Run | null)[], field: number, highlight?: string | null}} HeatSource the runs side by side, the statistic, and the name prefix of layers to outline (a block selected in the architecture view) */

/** Perceptually ordered colour stops (viridis, sampled), low → high. */
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** The colour of `t` in [0, 1] as [r, g, b]. */
function rgb(/** @type {number} */ t) {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((v, k) => Math.round(v + f * (STOPS[i + 1][k] - v)));
}

/** The colour of `t` in [0, 1]. */
export function colour(/** @type {number} */ t) {
  const [r, g, b] = rgb(t);
  return `rgb(${r},${g},${b})`;
}

/** Steps of the colour table the heatmaps are painted from (finer than a screen tells apart). */
const LEVELS = 256;
/** The colour table, packed RGBA as a little-endian u32 (the byte order of ImageData). */
const TABLE = Uint32Array.from({ length: LEVELS }, (_, i) => {
  const [r, g, b] = rgb(i / (LEVELS - 1));
  return (255 << 24 | b << 16 | g << 8 | r) >>> 0;
});

/** A value as shown: three significant digits, exponent form for very small or large. */
export function fmtValue(/** @type {number} */ v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toPrecision(3);
}

/**
 * The matrix of one run for field `f`: `[layer][column]` transformed values (log10 for log
 * fields; NaN where not applicable), with the steps of the columns.
 * @param {Run} r @param {number} f @param {number} nFields @param {boolean} log
 */
export function matrix(r, f, nFields, log) {
  const layers = r.probeNames.length;
  const cols = r.probes.rows.length;
  const m = Array.from({ length: layers }, () => new Float64Array(cols).fill(NaN));
  r.probes.rows.forEach((row, c) => {
    for (let l = 0; l < layers; l++) {
      const v = row[l * nFields + f];
      m[l][c] = log ? (v > 0 ? Math.log10(v) : NaN) : v;
    }
  });
  return { m, steps: r.probes.steps };
}

export class FlowView {
  /**
   * @param {{canvases: HTMLCanvasElement[], captions: HTMLElement[], scale: HTMLCanvasElement, tip: HTMLElement}} els
   * @param {ProbeField[]} fields
   * @param {(r: Run) => string} name
   */
  constructor(els, fields, name) {
    this.els = els;
    this.fields = fields;
    this.name = name;
    /** @type {HeatSource} */ this.source = { runs: [], field: 0 };
    this.views = els.canvases.map((c) => watch(c, () => this.request()));
    /** What each canvas shows, for the hover text. @type {({run: Run, m: Float64Array[], steps: number[]} | null)[]} */
    this.shown = [];
    /** The cells of the heatmap being painted, one pixel each (see paint). */
    this.cells = new PixelImage();
    /** What the colour scale was last drawn for (see paintScale). */
    this.scaleFor = '';
    /** Per canvas, the size an empty panel was last painted at ('' after a heatmap): an empty
     * panel (no run beside the selected one) is painted once, not at every metrics message —
     * a changed canvas costs the compositor a frame's copy of it. @type {string[]} */
    this.emptyAt = els.canvases.map(() => '');
    els.canvases.forEach((c, i) => {
      c.addEventListener('mousemove', (e) => this.hover(i, e));
      c.addEventListener('mouseleave', () => { els.tip.hidden = true; });
    });
  }

  update(/** @type {HeatSource} */ source) {
    this.source = source;
    this.request();
  }

  request() {
    requestDraw('heatmap', () => this.draw());
  }

  draw() {
    if (!this.views[0].shown) return;
    const { runs, field } = this.source;
    const fd = this.fields[field];
    const mats = runs.map((r) => (r && r.probes.rows.length ? { run: r, ...matrix(r, field, this.fields.length, fd.log) } : null));
    // One colour scale for both.
    let lo = Infinity, hi = -Infinity;
    for (const x of mats) {
      if (!x) continue;
      for (const row of x.m) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    if (!(hi > lo)) { hi = lo + 1; }
    this.range = { lo, hi };
    this.shown = mats;
    this.els.canvases.forEach((cv, i) => {
      const x = mats[i] ?? null;
      const cap = this.els.captions[i];
      const r = runs[i];
      const w = words().views;
      setText(cap, r ? `${this.name(r)}${x ? w.heatSteps(x.steps[0], /** @type {number} */ (x.steps.at(-1))) : w.noProbes}` : i === 0 ? w.selectRun : w.chooseBeside);
      this.paint(i, x, lo, hi, this.source.highlight ?? null);
    });
    this.paintScale(lo, hi, fd);
  }

  /**
   * Paints canvas `i`.
   * @param {number} i
   * @param {{run: Run, m: Float64Array[], steps: number[]} | null} x @param {number} lo @param {number} hi
   * @param {string | null} highlight outline the rows of layers with this name prefix
   */
  paint(i, x, lo, hi, highlight) {
    const cv = this.els.canvases[i], view = this.views[i];
    const dpr = window.devicePixelRatio || 1;
    const w = view.width || 300, h = view.height || 180;
    const empty = !x || !x.m.length || !x.steps.length;
    const size = `${w}x${h}@${dpr}`;
    if (empty && this.emptyAt[i] === size) return;
    this.emptyAt[i] = empty ? size : '';
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
    }
    const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#f3f4f6';
    ctx.fillRect(0, 0, w, h);
    if (!x || empty) return;
    const layers = x.m.length, cols = x.steps.length;
    const rh = h / layers;
    setTitle(cv, words().views.heatTitle(layers, cols, x.steps[0], /** @type {number} */ (x.steps.at(-1))));
    // One pixel per cell (input at the bottom) from the colour table, then one scaled draw:
    // thousands of fillRect calls with a colour string each cost a millisecond per message.
    const px = this.cells.pixels(cols, layers);
    px.fill(0); // cells without a value stay transparent
    const k = (LEVELS - 1) / (hi - lo);
    for (let l = 0; l < layers; l++) {
      const row = x.m[l], at = (layers - 1 - l) * cols;
      for (let c = 0; c < cols; c++) {
        const v = row[c];
        if (Number.isFinite(v)) px[at + c] = TABLE[Math.max(0, Math.min(LEVELS - 1, Math.round((v - lo) * k)))];
      }
    }
    this.cells.drawScaled(ctx, w, h);
    if (highlight) {
      ctx.strokeStyle = '#f43f5e';
      ctx.lineWidth = 2;
      x.run.probeNames.forEach((name, l) => {
        if (name === highlight || name.startsWith(`${highlight}.`)) ctx.strokeRect(1, h - (l + 1) * rh + 1, w - 2, rh - 2);
      });
    }
  }

  paintScale(/** @type {number} */ lo, /** @type {number} */ hi, /** @type {ProbeField} */ fd) {
    const cv = this.els.scale;
    const dpr = window.devicePixelRatio || 1;
    const label = (/** @type {number} */ v) => (Number.isFinite(v) ? fmtValue(fd.log ? 10 ** v : v) : '');
    // Drawn again only when its labels change (setting a canvas font resolves style: a forced
    // layout, measured at 8 ms over five seconds of training).
    const key = `${dpr}|${label(hi)}|${label(lo)}`;
    if (key === this.scaleFor) return;
    this.scaleFor = key;
    const w = 64, h = 180;
    if (cv.width !== w * dpr) { cv.width = w * dpr; cv.height = h * dpr; }
    const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    for (let y = 0; y < h - 20; y++) {
      ctx.fillStyle = colour(1 - y / (h - 21));
      ctx.fillRect(0, y + 10, 12, 1);
    }
    ctx.fillStyle = '#374151';
    ctx.font = fontOf('10px');
    ctx.fillText(label(hi), 15, 14);
    ctx.fillText(label(lo), 15, h - 10);
  }

  hover(/** @type {number} */ i, /** @type {MouseEvent} */ e) {
    const x = this.shown[i];
    const tip = this.els.tip;
    if (!x) { tip.hidden = true; return; }
    const cv = this.els.canvases[i];
    const rect = cv.getBoundingClientRect();
    const layers = x.m.length, cols = x.steps.length;
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((e.clientX - rect.left) / rect.width) * cols)));
    const l = Math.min(layers - 1, Math.max(0, layers - 1 - Math.floor(((e.clientY - rect.top) / rect.height) * layers)));
    const fd = this.fields[this.source.field];
    const row = x.run.probes.rows[c];
    const n = this.fields.length;
    const w = words().views;
    const label = (/** @type {ProbeField} */ f) => w.probeFields[f.key]?.label ?? f.label;
    const parts = this.fields.map((f, k) => `${label(f)} ${fmtValue(row[l * n + k])}`);
    tip.textContent = `${w.heatTip(x.run.probeNames[l], l + 1, layers, x.steps[c], label(fd), fmtValue(row[l * n + this.source.field]))}\n${parts.join(' · ')}`;
    tip.hidden = false;
    tip.style.left = `${e.pageX + 12}px`;
    tip.style.top = `${e.pageY + 12}px`;
  }
}
