// @ts-check
// A small image written pixel by pixel and drawn scaled in one call, without smoothing: the
// batch grid (digits at their own size) and the gradient-flow heatmap (one pixel per cell)
// fill its pixels and draw it once, instead of a draw call per digit or per cell.

export class PixelImage {
  constructor() {
    this.image = new ImageData(1, 1);
    this.canvas = new OffscreenCanvas(1, 1);
  }

  /**
   * The `width`×`height` pixels to fill, as RGBA words (little-endian: 0xAABBGGRR), reused
   * while the size stays the same; their content is whatever was there before.
   * @param {number} width @param {number} height
   */
  pixels(width, height) {
    if (this.image.width !== width || this.image.height !== height) {
      this.image = new ImageData(width, height);
      this.canvas.width = width;
      this.canvas.height = height;
    }
    return new Uint32Array(this.image.data.buffer);
  }

  /** Draws the pixels onto `ctx` scaled to `w`×`h` at the origin, each pixel a sharp block. */
  drawScaled(/** @type {CanvasRenderingContext2D} */ ctx, /** @type {number} */ w, /** @type {number} */ h) {
    /** @type {OffscreenCanvasRenderingContext2D} */ (this.canvas.getContext('2d')).putImageData(this.image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.canvas, 0, 0, w, h);
  }
}
