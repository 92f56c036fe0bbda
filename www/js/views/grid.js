// @ts-check
// A grid of the digits in the batch being trained on (as u8 pixels, 28×28 each): the digits
// are written into one image at their own size and drawn scaled once, at an animation frame.
import { requestDraw } from './frame.js';
import { PixelImage } from './pixels.js';

const SIDE = 28;

export class BatchGrid {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas, cols = 8, rows = 4) {
    this.canvas = canvas;
    this.cols = cols;
    this.rows = rows;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    this.cells = new PixelImage();
    /** The digits drawn at the next frame, if any. @type {Uint8Array | null} */
    this.next = null;
    this.reset();
  }

  reset() {
    this.next = null;
    this.ctx.fillStyle = '#111';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws up to cols·rows digits from `pixels` (n·784 bytes) at the next animation frame. */
  update(/** @type {Uint8Array} */ pixels) {
    this.next = pixels;
    requestDraw('batch-grid', () => this.draw());
  }

  draw() {
    const pixels = this.next;
    if (!pixels) return;
    this.next = null;
    const n = Math.min(Math.floor(pixels.length / (SIDE * SIDE)), this.cols * this.rows);
    const px = this.cells.pixels(this.cols * SIDE, this.rows * SIDE);
    px.fill(0xff111111); // the background of empty places (#111, opaque)
    const stride = this.cols * SIDE;
    for (let k = 0; k < n; k++) {
      const at = Math.floor(k / this.cols) * SIDE * stride + (k % this.cols) * SIDE;
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          const v = pixels[k * SIDE * SIDE + y * SIDE + x];
          px[at + y * stride + x] = (0xff000000 | v << 16 | v << 8 | v) >>> 0;
        }
      }
    }
    const w = this.canvas.width / this.cols; // square tiles
    this.cells.drawScaled(this.ctx, w * this.cols, w * this.rows);
  }
}
