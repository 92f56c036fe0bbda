// @ts-check
// What the layers compute: the first convolution's filters as images (blue negative, red
// positive), and for one digit — the one drawn on the pad, or a test digit picked by number —
// the feature maps of every convolution, one strip per layer (each map scaled to its layer's
// range; at most MAX_MAPS maps per strip). Drawn through the frame scheduler, not while hidden.
import { el } from './dom.js';
import { requestDraw, watch } from './frame.js';
import { words } from '../i18n/index.js';

/** @typedef {import('../protocol.js').FeatureMap} FeatureMap */
/** @typedef {{shape: number[], data: Float32Array} | null} Filters */

/** Maps shown per layer. */
const MAX_MAPS = 16;
/** CSS pixels per filter cell. */
const FILTER_CELL = 6;

/** A canvas of `w×h` pixels from a function giving each pixel's RGB. */
function image(/** @type {number} */ w, /** @type {number} */ h, /** @type {(x: number, y: number) => number[]} */ rgb, /** @type {string} */ label) {
  const cv = /** @type {HTMLCanvasElement} */ (el('canvas', { width: String(w), height: String(h), 'aria-label': label }));
  const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
  const img = ctx.createImageData(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set([...rgb(x, y), 255], (y * w + x) * 4);
  ctx.putImageData(img, 0, 0);
  return cv;
}

/** Diverging colour for `v` in [-1, 1]: blue, white, red. */
function diverging(/** @type {number} */ v) {
  const t = Math.max(-1, Math.min(1, v));
  return t >= 0 ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))] : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
}

export class FeatureView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.filtersBox = el('div', { class: 'filters' });
    this.mapsBox = el('div', { class: 'maps' });
    this.caption = el('p', { class: 'note' });
    this.filtersTitle = el('p', { class: 'note' });
    root.append(this.filtersTitle, this.filtersBox, this.caption, this.mapsBox);
    /** @type {{maps: FeatureMap[], filters: Filters, source: string} | null} */ this.data = null;
    this.drawn = /** @type {any} */ (null);
    this.drawnLang = '';
    this.view = watch(root, () => this.request());
  }

  /** Shows the maps and filters of one image (`source` says which). */
  update(/** @type {FeatureMap[]} */ maps, /** @type {Filters} */ filters, /** @type {string} */ source) {
    this.data = { maps, filters, source };
    this.request();
  }

  reset() {
    this.data = null;
    this.request();
  }

  request() {
    requestDraw('features', () => this.draw());
  }

  draw() {
    if (!this.view.shown || (this.drawn === this.data && this.drawnLang === words().lang)) return;
    this.drawn = this.data;
    this.drawnLang = words().lang;
    const w = words().views;
    this.filtersTitle.textContent = w.filtersTitle;
    const d = this.data;
    if (!d) {
      this.filtersBox.replaceChildren();
      this.mapsBox.replaceChildren();
      this.caption.textContent = w.featuresEmpty;
      return;
    }
    this.drawFilters(d.filters);
    this.caption.textContent = d.maps.length
      ? w.featuresFor(d.source)
      : w.noConvs;
    this.mapsBox.replaceChildren(...d.maps.map((m) => {
      const [c, h, w] = m.shape;
      const strip = el('div', { class: 'strip' });
      let lo = Infinity, hi = -Infinity;
      for (const v of m.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const span = hi > lo ? hi - lo : 1;
      const shown = Math.min(c, MAX_MAPS);
      for (let k = 0; k < shown; k++) {
        const off = k * h * w;
        strip.append(image(w, h, (x, y) => { const g = Math.round(255 * (1 - (m.data[off + y * w + x] - lo) / span)); return [g, g, g]; }, words().views.mapAria(m.layer, k + 1)));
      }
      const row = el('div', { class: 'strip-row' });
      row.append(el('span', { class: 'strip-name', title: words().views.mapsOf(c, h, w) }, `${m.layer} · ${c}×${h}×${w}${c > shown ? words().views.firstN(shown) : ''}`), strip);
      return row;
    }));
  }

  drawFilters(/** @type {Filters} */ f) {
    if (!f) {
      this.filtersBox.replaceChildren(el('span', { class: 'note' }, words().views.noFirstConv));
      return;
    }
    const [out, inC, kh, kw] = f.shape;
    let amax = 0;
    for (const v of f.data) amax = Math.max(amax, Math.abs(v));
    const scale = amax || 1;
    const tiles = [];
    for (let o = 0; o < Math.min(out, 64); o++) {
      // The first input channel of each filter (digits have one).
      const off = o * inC * kh * kw;
      const cv = image(kw, kh, (x, y) => diverging(f.data[off + y * kw + x] / scale), words().views.filterAria(o + 1));
      cv.style.width = `${kw * FILTER_CELL}px`;
      cv.style.height = `${kh * FILTER_CELL}px`;
      tiles.push(cv);
    }
    this.filtersBox.replaceChildren(...tiles);
  }
}
