// @ts-check
// The test set through the selected run's eyes, at its latest evaluation: a confusion matrix
// (row: true digit, column: predicted; a click on a cell shows its digits) and a gallery of
// the most confidently wrong digits with true and predicted labels and probabilities. Digits
// are fetched by index from the augmentation worker, which holds the test set. Drawn through
// the frame scheduler, not while hidden.
import { el } from './dom.js';
import { requestDraw, watch } from './frame.js';
import { words } from '../i18n/index.js';

/** @typedef {import('../lab/runs.js').Run} Run */
/** @typedef {NonNullable<Run['test']>} Answers */

/** Digits shown for a clicked cell and in the gallery. */
const SHOWN = 24;

/** The 10×10 confusion matrix (row: true class, column: predicted). */
export function confusion(/** @type {Answers} */ t) {
  const m = Array.from({ length: 10 }, () => new Array(10).fill(0));
  t.labels.forEach((label, i) => { m[label][t.predicted[i]] += 1; });
  return m;
}

/** Indices of the wrong answers, most confident first. */
export function confidentlyWrong(/** @type {Answers} */ t) {
  const wrong = [];
  for (let i = 0; i < t.labels.length; i++) if (t.labels[i] !== t.predicted[i]) wrong.push(i);
  return wrong.sort((a, b) => t.confidence[b] - t.confidence[a]);
}

export class ConfusionView {
  /**
   * @param {HTMLElement} root
   * @param {(indices: number[]) => Promise<Uint8Array | null>} fetchDigits bytes, 784 per index
   * @param {number} pixels per digit
   */
  constructor(root, fetchDigits, pixels) {
    this.fetchDigits = fetchDigits;
    this.pixels = pixels;
    this.caption = el('p', { class: 'note' });
    this.table = el('table', { class: 'confusion' });
    this.cellInfo = el('p', { class: 'note', 'aria-live': 'polite' });
    this.cellDigits = el('div', { class: 'digits' });
    this.galleryTitle = el('p', { class: 'note' });
    this.gallery = el('div', { class: 'digits' });
    const left = el('div', { class: 'confusion-left' });
    left.append(this.table);
    const right = el('div', { class: 'confusion-right' });
    right.append(this.cellInfo, this.cellDigits, this.galleryTitle, this.gallery);
    const box = el('div', { class: 'confusion-box' });
    box.append(left, right);
    root.append(this.caption, box);
    /** @type {Run | null} */ this.run = null;
    /** What is drawn (run id and epoch), to redraw only when it changes. */
    this.drawn = '';
    this.view = watch(root, () => this.request());
  }

  update(/** @type {Run | null} */ run) {
    this.run = run;
    this.request();
  }

  request() {
    requestDraw('confusion', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return;
    const r = this.run;
    const t = r?.test ?? null;
    const w = words().views;
    this.table.setAttribute('aria-label', w.confusionAria);
    const key = r && t ? `${r.id}:${t.epoch}:${words().lang}` : `:${words().lang}`;
    if (key === this.drawn) return;
    this.drawn = key;
    this.cellInfo.textContent = '';
    this.cellDigits.replaceChildren();
    if (!r || !t) {
      this.caption.textContent = r ? w.confusionWaiting : w.selectRunDot;
      this.table.replaceChildren();
      this.galleryTitle.textContent = '';
      this.gallery.replaceChildren();
      return;
    }
    const m = confusion(t);
    const n = t.labels.length;
    const right = m.reduce((a, row, i) => a + row[i], 0);
    this.caption.textContent = w.confusionCaption(r.modelName, t.epoch, right.toLocaleString(), n.toLocaleString(), ((100 * right) / n).toFixed(2));
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, w.trueSaid), ...m.map((_, j) => el('th', { scope: 'col' }, String(j))));
    const rows = m.map((row, i) => {
      const tr = el('tr');
      const total = row.reduce((a, b) => a + b, 0) || 1;
      tr.append(el('th', { scope: 'row' }, String(i)));
      row.forEach((count, j) => {
        const share = count / total;
        const title = w.cellTitle(i, j, count, (share * 100).toFixed(1));
        const off = i !== j && count > 0;
        // A wrong cell is a button (keyboard and screen readers): it shows its digits.
        const td = el('td', { class: i === j ? 'diag' : count ? 'off' : 'zero', title }, off ? '' : count ? String(count) : '');
        if (off) {
          const b = el('button', { type: 'button', 'aria-label': title }, String(count));
          b.addEventListener('click', () => this.showCell(t, i, j, count));
          td.append(b);
        }
        // Shades kept light enough for dark text at WCAG AA contrast (≥ 4.5:1).
        td.style.background = i === j ? `rgba(22, 163, 74, ${0.15 + 0.6 * share})` : count ? `rgba(220, 38, 38, ${Math.min(0.6, 0.12 + 4 * share)})` : '';
        tr.append(td);
      });
      return tr;
    });
    this.table.replaceChildren(head, ...rows);
    const wrong = confidentlyWrong(t).slice(0, SHOWN);
    this.galleryTitle.textContent = wrong.length ? w.mostWrong(wrong.length) : w.noneWrong;
    this.showDigits(this.gallery, wrong, (i) => `${t.labels[i]} → ${t.predicted[i]} (${(t.confidence[i] * 100).toFixed(0)}%; ${(t.trueProb[i] * 100).toFixed(1)}%)`);
  }

  showCell(/** @type {Answers} */ t, /** @type {number} */ i, /** @type {number} */ j, /** @type {number} */ count) {
    const idx = [];
    for (let k = 0; k < t.labels.length && idx.length < SHOWN; k++) if (t.labels[k] === i && t.predicted[k] === j) idx.push(k);
    this.cellInfo.textContent = words().views.cell(i, j, count, SHOWN);
    this.showDigits(this.cellDigits, idx, (k) => `${(t.confidence[k] * 100).toFixed(0)}%`);
  }

  /** Draws the digits `indices` into `box`, each with a caption. */
  async showDigits(/** @type {HTMLElement} */ box, /** @type {number[]} */ indices, /** @type {(i: number) => string} */ text) {
    box.replaceChildren();
    if (!indices.length) return;
    const bytes = await this.fetchDigits(indices);
    if (!bytes) {
      box.textContent = words().views.noDigits;
      return;
    }
    const side = Math.round(Math.sqrt(this.pixels));
    box.replaceChildren(...indices.map((idx, k) => {
      const fig = el('figure', { class: 'digit' });
      const cv = /** @type {HTMLCanvasElement} */ (el('canvas', { width: String(side), height: String(side), 'aria-label': words().views.testDigitAria(idx) }));
      const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d'));
      const img = ctx.createImageData(side, side);
      for (let p = 0; p < this.pixels; p++) {
        const v = 255 - bytes[k * this.pixels + p];
        img.data.set([v, v, v, 255], p * 4);
      }
      ctx.putImageData(img, 0, 0);
      fig.append(cv, el('figcaption', {}, text(idx)));
      return fig;
    }));
  }
}
