// @ts-check
// A grid of the digits in the batch being trained on (as u8 pixels, 28×28 each).

export class BatchGrid {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas, cols = 8, rows = 4) {
    this.canvas = canvas;
    this.cols = cols;
    this.rows = rows;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
    this.tile = new ImageData(28, 28);
    this.reset();
  }

  reset() {
    this.ctx.fillStyle = '#111';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws up to cols·rows digits from `pixels` (n·784 bytes). */
  update(/** @type {Uint8Array} */ pixels) {
    const n = Math.min(pixels.length / 784, this.cols * this.rows);
    const w = this.canvas.width / this.cols;
    const off = new OffscreenCanvas(28, 28);
    const octx = /** @type {OffscreenCanvasRenderingContext2D} */ (off.getContext('2d'));
    this.ctx.imageSmoothingEnabled = false;
    this.reset();
    for (let k = 0; k < n; k++) {
      const d = this.tile.data;
      for (let i = 0; i < 784; i++) {
        const v = pixels[k * 784 + i];
        d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = v;
        d[4 * i + 3] = 255;
      }
      octx.putImageData(this.tile, 0, 0);
      this.ctx.drawImage(off, (k % this.cols) * w, Math.floor(k / this.cols) * w, w, w);
    }
  }
}
