// @ts-check
// Gradient norm per weight layer, input side on the left, on a log scale: where gradients
// vanish with depth (sigmoid, deep plain nets) the bars fall toward the input. Drawn through
// the frame scheduler, not while hidden.
import { requestDraw, watch } from './frame.js';

export class GradientView {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    /** @type {string[]} */ this.names = [];
    /** @type {ArrayLike<number> | null} */ this.norms = null;
    this.view = watch(canvas, () => this.request());
    this.reset();
  }

  reset(/** @type {string[]} */ names = []) {
    this.names = names;
    this.norms = null;
    this.request();
  }

  /** Draws the latest norms (one per name). */
  update(/** @type {ArrayLike<number>} */ norms) {
    this.norms = norms;
    this.request();
  }

  request() {
    requestDraw('grads', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return;
    const { canvas: cv, ctx, norms } = this;
    const dpr = window.devicePixelRatio || 1;
    const w = this.view.width || 600, h = this.view.height || 150;
    if (cv.width !== Math.round(w * dpr)) { cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr); }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#6b7280';
    if (!norms || !norms.length) {
      ctx.fillText('Gradient norms appear once training starts.', 8, 20);
      return;
    }
    const logs = Array.from(norms, (v) => Math.log10(Math.max(v, 1e-12)));
    const lo = Math.floor(Math.min(...logs)) - 0.5, hi = Math.ceil(Math.max(...logs));
    const left = 44, bottom = h - 18, top = 8;
    const y = (v) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
    for (let e = Math.ceil(lo); e <= hi; e++) {
      ctx.strokeStyle = '#e5e7eb';
      ctx.beginPath(); ctx.moveTo(left, y(e)); ctx.lineTo(w - 4, y(e)); ctx.stroke();
      ctx.fillText(`1e${e}`, 4, y(e) + 4);
    }
    const bw = (w - left - 4) / logs.length;
    logs.forEach((v, i) => {
      ctx.fillStyle = '#2563eb';
      ctx.fillRect(left + i * bw + 1, y(v), Math.max(1, bw - 2), bottom - y(v));
    });
    ctx.fillStyle = '#6b7280';
    ctx.fillText('input', left, h - 4);
    const out = 'output';
    ctx.fillText(out, w - 4 - ctx.measureText(out).width, h - 4);
  }
}
