// @ts-check
// The architecture, drawn (SVG): one box per layer or block of the spec, input at the top, with
// its output shape, parameters and multiply-accumulates from the cost table. Blocks show what
// is inside them: a residual block its body and its shortcut path on the right — a solid line
// for the identity, a dashed one for option A's zero-padding, a 1×1 convolution box for a
// projection (option B where the shape changes, C everywhere), nothing when removed; Inception
// its four branches side by side; ResNeXt its grouped convolution; Highway its transform and
// gate branches and the carry path. A click on a block selects it: its cost rows and its
// heatmap rows are highlighted. Built with DOM calls only.
import { requestDraw, watch } from './frame.js';
import { words } from '../i18n/index.js';
import { compact } from './dom.js';

/** @typedef {import('../protocol.js').CostRow} CostRow */
/** @typedef {{type: string, [k: string]: any}} LayerSpec */
/** @typedef {{name: string, rows: CostRow[], spec: {layers: LayerSpec[], remove_shortcuts?: boolean}}} Described */

const NS = 'http://www.w3.org/2000/svg';
const BOX_W = 300;
const LINE_H = 15;
const GAP = 14;

/** An SVG element with attributes (and text, set as textContent). */
function svg(/** @type {string} */ tag, /** @type {Record<string, string | number>} */ attrs = {}, /** @type {string} */ text = '') {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
}

const fmt = (/** @type {number} */ n) => compact(n, true);

/** What a shortcut looks like, from the block's spec and its cost rows. */
export function shortcutOf(/** @type {LayerSpec} */ l, /** @type {CostRow[]} */ rows, /** @type {boolean} */ removed) {
  const kind = removed || l.shortcut === 'none' ? 'none' : shortcutKind(rows);
  return { kind, label: words().views.arch.long[kind](l.shortcut ?? '') };
}

/** The kind of a block's shortcut path from its cost rows. */
function shortcutKind(/** @type {CostRow[]} */ rows) {
  const sc = rows.filter((r) => /\.shortcut(\.|$)/.test(r.name));
  if (sc.some((r) => r.kind === 'conv')) return 'projection';
  if (sc.some((r) => r.kind === 'pad_shortcut')) return 'pad';
  return 'identity';
}


/**
 * The branches of a block, by the name part after the block's own (`b1`, `b3`, `gate`, …); a
 * branch's 1×1 reduction (`b3_reduce`) or projection (`pool_proj`) belongs to it, and the
 * concatenation to none.
 */
function branches(/** @type {string} */ prefix, /** @type {CostRow[]} */ rows) {
  /** @type {Map<string, CostRow[]>} */ const by = new Map();
  for (const r of rows) {
    if (r.kind === 'concat') continue;
    const part = r.name.slice(prefix.length + 1).split('.')[0].replace(/_(reduce|proj)$/, '');
    if (!by.has(part)) by.set(part, []);
    /** @type {CostRow[]} */ (by.get(part)).push(r);
  }
  return by;
}

export class ArchView {
  /**
   * @param {HTMLElement} root
   * @param {(prefix: string | null) => void} onSelect called with the selected block's name prefix
   */
  constructor(root, onSelect) {
    this.root = root;
    this.onSelect = onSelect;
    /** @type {Described | null} */ this.model = null;
    /** @type {string | null} */ this.selected = null;
    this.drawn = /** @type {any} */ (null);
    this.view = watch(root, () => this.request());
  }

  update(/** @type {Described | null} */ model) {
    if (model !== this.model) this.selected = null;
    this.model = model;
    this.request();
  }

  request() {
    requestDraw('arch', () => this.draw());
  }

  draw() {
    if (!this.view.shown) return;
    const key = `${this.model?.name}|${this.selected}`;
    if (this.model === this.drawn?.model && key === this.drawn?.key && words().lang === this.drawn?.lang) return;
    this.drawn = { model: this.model, key, lang: words().lang };
    const d = this.model;
    if (!d) {
      this.root.replaceChildren();
      return;
    }
    const a = words().views.arch;
    const root = svg('svg', { role: 'img', 'aria-label': words().views.archAria(words().modelName(d.name)), class: 'arch' });
    let y = 8;
    const x0 = 10;
    const inRow = svg('text', { x: x0, y: y + 11, class: 'io' }, a.input('1×28×28'));
    root.append(inRow);
    y += 22;
    d.spec.layers.forEach((l, i) => {
      const prefix = `layers.${i}`;
      const rows = d.rows.filter((r) => r.name === prefix || r.name.startsWith(`${prefix}.`));
      const g = svg('g', { class: `block${this.selected === prefix ? ' selected' : ''}`, 'data-block': prefix, tabindex: 0 });
      const h = this.block(g, l, prefix, rows, x0, y, d.spec.remove_shortcuts ?? false);
      // arrow into the block
      root.append(svg('line', { x1: x0 + BOX_W / 2, y1: y - GAP + 2, x2: x0 + BOX_W / 2, y2: y, class: 'flow' }));
      g.addEventListener('click', () => this.select(prefix));
      g.addEventListener('keydown', (e) => { if (/** @type {KeyboardEvent} */ (e).key === 'Enter') this.select(prefix); });
      root.append(g);
      y += h + GAP;
    });
    root.append(svg('text', { x: x0, y: y + 4, class: 'io' }, a.output(10)));
    root.setAttribute('viewBox', `0 0 ${BOX_W + 260} ${y + 14}`);
    root.setAttribute('width', String(BOX_W + 260));
    root.setAttribute('height', String(y + 14));
    this.root.replaceChildren(root);
  }

  select(/** @type {string} */ prefix) {
    this.selected = this.selected === prefix ? null : prefix;
    this.onSelect(this.selected);
    this.request();
  }

  /**
   * Draws one layer or block into `g` at (x, y); returns its height.
   * @param {SVGElement} g @param {LayerSpec} l @param {string} prefix @param {CostRow[]} rows
   * @param {number} x @param {number} y @param {boolean} removed
   */
  block(g, l, prefix, rows, x, y, removed) {
    const params = rows.reduce((a, r) => a + r.params, 0);
    const macs = rows.reduce((a, r) => a + r.macs, 0);
    const out = rows.at(-1)?.output.join('×') ?? '';
    const title = (/** @type {string} */ t) => `${t}${out ? ` → ${out}` : ''}`;
    const w = words().views;
    const a = w.arch;
    const kindWord = (/** @type {string} */ k) => w.kinds[k] ?? k;
    const stats = a.stats(params ? fmt(params) : '', macs ? fmt(macs) : '');
    const lines = (/** @type {CostRow[]} */ rs) => rs.filter((r) => r.kind !== 'relu' || rs.length < 3).map((r) => `${r.name.slice(prefix.length + 1) || kindWord(r.kind)} · ${kindWord(r.kind)}${r.params ? ` · ${fmt(r.params)}` : ''}`);
    const label = (/** @type {number} */ ty, /** @type {string} */ t, /** @type {string} */ cls = '') => g.append(svg('text', { x: x + 8, y: ty, class: cls }, t));
    switch (l.type) {
      case 'residual':
      case 'resnext': {
        const body = rows.filter((r) => !/\.shortcut(\.|$)/.test(r.name));
        const sc = shortcutOf(l, rows, removed);
        const inner = l.type === 'resnext' ? [a.grouped(l.cardinality, l.width), ...lines(body)] : lines(body);
        const h = 36 + inner.length * LINE_H + 16;
        g.append(svg('rect', { x, y, width: BOX_W, height: h, rx: 6, class: `box ${l.type}` }));
        label(y + 15, title(l.type === 'resnext' ? a.resnext(l.stride ?? 1) : a.residual(l.unit ?? '', l.stride ?? 1)), 'head');
        label(y + 30, stats, 'stats');
        inner.forEach((t, k) => label(y + 46 + k * LINE_H, t, 'sub'));
        // the shortcut: from the block's input (top) to the addition (bottom), on the right
        const sx = x + BOX_W + 24;
        const add = { x: x + BOX_W / 2, y: y + h - 8 };
        g.append(svg('circle', { cx: add.x, cy: add.y, r: 6, class: 'add' }), svg('text', { x: add.x - 4, y: add.y + 4, class: 'plus' }, '+'));
        if (sc.kind !== 'none') {
          const path = `M ${x + BOX_W / 2} ${y} L ${sx} ${y} L ${sx} ${add.y} L ${add.x + 6} ${add.y}`;
          g.append(svg('path', { d: path, class: `shortcut ${sc.kind}` }));
          if (sc.kind === 'projection') g.append(svg('rect', { x: sx - 16, y: y + h / 2 - 10, width: 32, height: 20, rx: 3, class: 'proj' }), svg('text', { x: sx - 12, y: y + h / 2 + 4, class: 'sub' }, '1×1'));
        }
        g.append(svg('text', { x: sx + 6, y: y + 14, class: `sc-label ${sc.kind}` }, a.short[sc.kind](l.shortcut ?? '')));
        g.append(svg('title', {}, `${prefix}: ${sc.label}`));
        return h;
      }
      case 'inception':
      case 'highway': {
        const by = branches(prefix, rows);
        const cols = [...by.entries()];
        const maxLines = Math.max(1, ...cols.map(([, rs]) => rs.length));
        const h = 36 + 16 + maxLines * LINE_H + 10;
        g.append(svg('rect', { x, y, width: BOX_W + 130, height: h, rx: 6, class: `box ${l.type}` }));
        label(y + 15, title(l.type === 'inception' ? a.inception(cols.length) : a.highway), 'head');
        label(y + 30, stats, 'stats');
        const cw = (BOX_W + 130 - 16) / Math.max(1, cols.length);
        cols.forEach(([name, rs], c) => {
          const cx = x + 8 + c * cw;
          g.append(svg('rect', { x: cx, y: y + 38, width: cw - 6, height: 14 + rs.length * LINE_H, rx: 3, class: 'branch' }));
          g.append(svg('text', { x: cx + 4, y: y + 49, class: 'branch-name' }, a.branches[name] ?? name));
          rs.forEach((r, k) => g.append(svg('text', { x: cx + 4, y: y + 64 + k * LINE_H, class: 'sub' }, `${kindWord(r.kind)}${r.params ? ` ${fmt(r.params)}` : ''}`)));
        });
        if (l.type === 'highway') {
          const sx = x + BOX_W + 150;
          g.append(svg('path', { d: `M ${x + BOX_W / 2} ${y} L ${sx} ${y} L ${sx} ${y + h} L ${x + BOX_W / 2} ${y + h}`, class: 'shortcut carry' }));
          g.append(svg('text', { x: sx + 6, y: y + 14, class: 'sc-label' }, a.carry));
        }
        return h;
      }
      default: {
        const kind = l.type === 'conv' ? a.conv(`${l.out}@${l.kernel ?? 3}×${l.kernel ?? 3}${(l.stride ?? 1) > 1 ? `/${l.stride}` : ''}`, l.groups ?? 1)
          : l.type === 'aux_head' ? a.aux : kindWord(l.type);
        const h = params || macs ? 36 : 22;
        g.append(svg('rect', { x, y, width: BOX_W, height: h, rx: 6, class: `box ${l.type}` }));
        label(y + 15, title(kind), 'head');
        if (h > 22) label(y + 30, stats, 'stats');
        return h;
      }
    }
  }
}
