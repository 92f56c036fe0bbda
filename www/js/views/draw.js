// @ts-check
// A drawing pad: the student draws a digit; it is reduced to MNIST's format (the ink's
// bounding box scaled into 20×20, centred by mass in 28×28) and sent for prediction.
import { el } from './dom.js';
import { words } from '../i18n/index.js';

export class DrawPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} probsEl
   * @param {(image: Float32Array) => void} onDigit called with 784 values in [0, 1]
   */
  constructor(canvas, probsEl, onDigit) {
    this.canvas = canvas;
    this.probsEl = probsEl;
    this.onDigit = onDigit;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    this.drawing = false;
    this.clear();
    const pos = (/** @type {PointerEvent} */ e) => {
      const r = canvas.getBoundingClientRect();
      return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
    };
    canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      canvas.setPointerCapture(e.pointerId);
      const [x, y] = pos(e);
      this.ctx.beginPath();
      this.ctx.moveTo(x, y);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const [x, y] = pos(e);
      this.ctx.lineTo(x, y);
      this.ctx.stroke();
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      const img = this.toMnist();
      if (img) this.onDigit(img);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    this.showProbs(null);
  }

  clear() {
    const c = this.ctx;
    c.fillStyle = '#000';
    c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    c.strokeStyle = '#fff';
    c.lineWidth = this.canvas.width / 12;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    this.showProbs(null);
  }

  /** @returns {Float32Array | null} */
  toMnist() {
    const { width: W, height: H } = this.canvas;
    const src = this.ctx.getImageData(0, 0, W, H).data;
    let [x0, y0, x1, y1] = [W, H, -1, -1];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (src[4 * (y * W + x)] > 20) {
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
    }
    if (x1 < 0) return null;
    const side = Math.max(x1 - x0, y1 - y0) + 1;
    const small = new OffscreenCanvas(20, 20);
    const sctx = /** @type {OffscreenCanvasRenderingContext2D} */ (small.getContext('2d'));
    sctx.fillStyle = '#000';
    sctx.fillRect(0, 0, 20, 20);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    sctx.drawImage(this.canvas, cx - side / 2, cy - side / 2, side, side, 0, 0, 20, 20);
    const s = sctx.getImageData(0, 0, 20, 20).data;
    // Centre of mass into the middle of 28×28, as MNIST was prepared.
    let [m, mx, my] = [0, 0, 0];
    for (let i = 0; i < 400; i++) { const v = s[4 * i]; m += v; mx += v * (i % 20); my += v * Math.floor(i / 20); }
    const dx = Math.round(14 - (m ? mx / m : 9.5) - 0.5), dy = Math.round(14 - (m ? my / m : 9.5) - 0.5);
    const out = new Float32Array(784);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) out[ty * 28 + tx] = s[4 * (y * 20 + x)] / 255;
    }
    return out;
  }

  /** Shows ten bars (or a hint when there is no model yet). */
  showProbs(/** @type {ArrayLike<number> | null} */ probs) {
    if (!probs) {
      this.probsEl.replaceChildren(el('p', { class: 'hint' }, words().views.drawHint));
      return;
    }
    let best = 0;
    for (let i = 1; i < 10; i++) if (probs[i] > probs[best]) best = i;
    this.probsEl.replaceChildren(...Array.from(probs, (p, d) => {
      const bar = el('i');
      bar.style.width = `${(p * 100).toFixed(1)}%`;
      const row = el('div', { class: `bar${d === best ? ' best' : ''}` });
      row.append(el('span', {}, String(d)), bar, el('b', {}, `${(p * 100).toFixed(0)}%`));
      return row;
    }));
  }
}
