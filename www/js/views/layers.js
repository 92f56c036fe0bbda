// @ts-check
// Per-layer views of the selected run's latest probe statistics, input side on the left:
// - LayerBars: one statistic per layer as bars (log scale for norms and ratios), beside the
//   heatmap — where gradients vanish with depth the bars fall toward the input;
// - SignalView: the signal each layer passes on, mean ± standard deviation, and the fraction of
//   its ReLU outputs that are zero — batch norm keeps the spread near 1, a plain sigmoid net's
//   shrinks layer by layer.
// Both draw through the frame scheduler and not while hidden.
import { requestDraw, watch } from './frame.js';
import { fmtValue } from './heatmap.js';
import { words } from '../i18n/index.js';
import { fontOf } from './dom.js';

/** @typedef {import('./heatmap.js').ProbeField} ProbeField */
/** @typedef {{names: string[], row: Float32Array | null, field: number}} LayerSource */

/** Sets up a canvas for drawing at the device's pixel ratio; returns its context and CSS size. */
function canvas2d(/** @type {HTMLCanvasElement} */ cv, /** @type {{width: number, height: number}} */ view) {
  const dpr = window.devicePixelRatio || 1;
  const w = view.width || 400, h = view.height || 160;
  if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(h * dpr);
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = fontOf('11px');
  return { ctx, w, h };
}

function axisLabels(/** @type {CanvasRenderingContext2D} */ ctx, /** @type {number} */ left, /** @type {number} */ w, /** @type {number} */ h) {
  ctx.fillStyle = '#6b7280';
  ctx.fillText(words().views.input, left, h - 4);
  const out = words().views.output;
  ctx.fillText(out, w - 4 - ctx.measureText(out).width, h - 4);
}

export class LayerBars {
  /** @param {HTMLCanvasElement} canvas @param {ProbeField[]} fields */
  constructor(canvas, fields) {
    this.canvas = canvas;
    this.fields = fields;
    /** @type {LayerSource} */ this.source = { names: [], row: null, field: 0 };
    this.view = watch(canvas, () => this.request());
  }

  update(/** @type {LayerSource} */ source) {
    this.source = source;
    this.request();
  }

  request() {
    requestDraw('layer-bars', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return;
    const { ctx, w, h } = canvas2d(this.canvas, this.view);
    const { names, row, field } = this.source;
    const fd = this.fields[field];
    const n = this.fields.length;
    ctx.fillStyle = '#6b7280';
    if (!row || !names.length) {
      ctx.fillText(words().views.layersEmpty, 8, 20);
      return;
    }
    const raw = names.map((_, l) => row[l * n + field]);
    const vals = raw.map((v) => (fd.log ? (v > 0 ? Math.log10(v) : NaN) : v));
    const finite = vals.filter(Number.isFinite);
    if (!finite.length) {
      ctx.fillText(words().views.notApplicable(fd.label), 8, 20);
      return;
    }
    let lo = fd.log ? Math.floor(Math.min(...finite)) - 0.5 : Math.min(0, ...finite);
    let hi = fd.log ? Math.ceil(Math.max(...finite)) : Math.max(0, ...finite);
    if (!(hi > lo)) hi = lo + 1;
    const left = 44, bottom = h - 18, top = 8;
    const y = (/** @type {number} */ v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    ctx.strokeStyle = '#e5e7eb';
    const decades = Math.floor(hi) - Math.ceil(lo) + 1;
    const every = Math.max(1, Math.ceil(decades / 6)); // at most about six labels
    const ticks = fd.log ? Array.from({ length: decades }, (_, i) => Math.ceil(lo) + i).filter((t) => t % every === 0) : [lo, (lo + hi) / 2, hi];
    for (const t of ticks) {
      ctx.beginPath(); ctx.moveTo(left, y(t)); ctx.lineTo(w - 4, y(t)); ctx.stroke();
      ctx.fillStyle = '#6b7280';
      ctx.fillText(fd.log ? `1e${t}` : fmtValue(t), 4, y(t) + 4);
    }
    const bw = (w - left - 4) / vals.length;
    const base = fd.log ? lo : 0;
    vals.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      ctx.fillStyle = '#2563eb';
      const y0 = y(base), y1 = y(v);
      ctx.fillRect(left + i * bw + 1, Math.min(y0, y1), Math.max(1, bw - 2), Math.abs(y0 - y1));
    });
    axisLabels(ctx, left, w, h);
  }
}

export class SignalView {
  /** @param {HTMLCanvasElement} canvas @param {ProbeField[]} fields */
  constructor(canvas, fields) {
    this.canvas = canvas;
    this.n = fields.length;
    const at = (/** @type {string} */ k) => fields.findIndex((f) => f.key === k);
    this.mean = at('act_mean');
    this.std = at('act_std');
    this.dead = at('dead_relu');
    /** @type {LayerSource} */ this.source = { names: [], row: null, field: 0 };
    this.view = watch(canvas, () => this.request());
  }

  update(/** @type {LayerSource} */ source) {
    this.source = source;
    this.request();
  }

  request() {
    requestDraw('signal', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return;
    const { ctx, w, h } = canvas2d(this.canvas, this.view);
    const { names, row } = this.source;
    ctx.fillStyle = '#6b7280';
    if (!row || !names.length) {
      ctx.fillText(words().views.signalEmpty, 8, 20);
      return;
    }
    const n = this.n, L = names.length;
    const mean = names.map((_, l) => row[l * n + this.mean]);
    const std = names.map((_, l) => row[l * n + this.std]);
    const dead = names.map((_, l) => row[l * n + this.dead]);
    const tops = mean.map((m, l) => m + std[l]).filter(Number.isFinite);
    const bots = mean.map((m, l) => m - std[l]).filter(Number.isFinite);
    let lo = Math.min(0, ...bots), hi = Math.max(0, ...tops);
    if (!(hi > lo)) hi = lo + 1;
    const left = 44, right = 40, bottom = h - 18, top = 8;
    const x = (/** @type {number} */ l) => left + ((l + 0.5) / L) * (w - left - right);
    const y = (/** @type {number} */ v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    const yd = (/** @type {number} */ f) => bottom - f * (bottom - top);
    // dead-ReLU fraction: grey bars on the right-hand 0–100% axis
    const bw = Math.max(2, ((w - left - right) / L) * 0.7);
    ctx.fillStyle = 'rgba(156, 163, 175, 0.45)';
    dead.forEach((f, l) => { if (Number.isFinite(f)) ctx.fillRect(x(l) - bw / 2, yd(f), bw, bottom - yd(f)); });
    ctx.fillStyle = '#6b7280';
    ctx.fillText('100%', w - right + 4, yd(1) + 4);
    ctx.fillText('0%', w - right + 4, yd(0));
    // zero line, then mean ± std
    ctx.strokeStyle = '#e5e7eb';
    ctx.beginPath(); ctx.moveTo(left, y(0)); ctx.lineTo(w - right, y(0)); ctx.stroke();
    ctx.fillText(fmtValue(hi), 4, y(hi) + 8);
    ctx.fillText('0', 4, y(0) + 4);
    ctx.fillText(fmtValue(lo), 4, y(lo));
    ctx.strokeStyle = '#16a34a';
    ctx.fillStyle = '#16a34a';
    mean.forEach((m, l) => {
      if (!Number.isFinite(m)) return;
      const s = Number.isFinite(std[l]) ? std[l] : 0;
      ctx.beginPath(); ctx.moveTo(x(l), y(m - s)); ctx.lineTo(x(l), y(m + s)); ctx.stroke();
      ctx.beginPath(); ctx.arc(x(l), y(m), 3, 0, 2 * Math.PI); ctx.fill();
    });
    axisLabels(ctx, left, w, h);
  }
}
