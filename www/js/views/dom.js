// @ts-check
// The one helper the views build their DOM with: an element, its attributes, its text. Text is
// set as textContent, never parsed as HTML. Also the one compact format of large counts, and
// the page's font for text drawn on canvases (`fontOf`, `fontEpoch`).

/** The page's font stack, read once from app.css's `--font` (declared there only). */
let fontStack = '';
/**
 * A canvas font (`size`: `'11px'`, `'bold 12px'`) in the page's font stack: text drawn on a
 * canvas gets no font from CSS, and in the browser's default font the Chinese labels came out
 * as boxes on machines without an installed CJK font (the stack ends in the bundled subset).
 * @param {string} size
 */
export function fontOf(size) {
  // Kept once read; not before app.css applies (read too early, it would stay the fallback).
  fontStack ||= getComputedStyle(document.documentElement).getPropertyValue('--font').trim();
  return `${size} ${fontStack || 'sans-serif'}`;
}

let fontsLoaded = 0;
// A canvas draws with the fonts loaded when it draws: text drawn before the bundled CJK font
// arrived (fetched the first time Chinese text is shown) stays in a fallback font until drawn
// again: the charts (charts.js, sweep.js) key their rebuilds on this count; the other canvas
// views draw again at every update.
globalThis.document?.fonts?.addEventListener('loadingdone', () => {
  fontsLoaded += 1;
});
/** How many times the browser finished loading web fonts so far. */
export const fontEpoch = () => fontsLoaded;

/** @template {keyof HTMLElementTagNameMap} K @param {K} tag @param {Record<string, string>} [attrs] @param {string} [text] */
export function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

/**
 * Sets `e`'s text only if it differs: a write replaces the text node and makes the browser
 * recompute style and layout even when the text is the same (views write at every metrics
 * message, METRICS_HZ times a second while training).
 * @param {Element} e @param {string} text
 */
export function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

/** Sets `e`'s tooltip only if it differs (see {@link setText}). @param {HTMLElement} e @param {string} text */
export function setTitle(e, text) {
  if (e.title !== text) e.title = text;
}

/**
 * A count in compact form: `1.2 M`, `35.0 k`, `2.05 G` (`narrow`: no space and thousands from
 * 1,000 instead of 10,000 — the architecture diagram's boxes — `1.2M`, `3.5k`).
 * @param {number} n @param {boolean} [narrow]
 */
export function compact(n, narrow = false) {
  const sp = narrow ? '' : ' ';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}${sp}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}${sp}M`;
  if (n >= (narrow ? 1e3 : 1e4)) return `${(n / 1e3).toFixed(1)}${sp}k`;
  return String(n);
}
