// @ts-check
// The one helper the views build their DOM with: an element, its attributes, its text. Text is
// set as textContent, never parsed as HTML.

/** @template {keyof HTMLElementTagNameMap} K @param {K} tag @param {Record<string, string>} [attrs] @param {string} [text] */
export function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}
