// @ts-check
// One scheduler for every view's drawing. A view asks for a draw under a key; at the next
// animation frame the queued draws run in order until FRAME_BUDGET_MS have gone, and the rest
// wait for the following frame. So a burst of work — a sweep adding six runs, each view
// rebuilding its plots — is spread over several frames instead of one long main-thread task,
// and a key asked for twice before its frame draws once.
//
// Views also never read layout to decide whether they are shown (reading `offsetParent` or
// `clientWidth` forces a synchronous layout of the whole page, measured at 27 ms during a
// sweep): `watch()` keeps a view's visibility and width from observers instead.

/** Milliseconds of drawing per frame before the remaining draws move to the next frame. */
export const FRAME_BUDGET_MS = 8;

/** @type {Map<string, () => void>} */
const queue = new Map();
let pending = false;

/** Runs `draw` at an animation frame (once, however often it is asked for before then). */
export function requestDraw(/** @type {string} */ key, /** @type {() => void} */ draw) {
  queue.set(key, draw);
  if (!pending) {
    pending = true;
    requestAnimationFrame(flush);
  }
}

function flush() {
  pending = false;
  const t0 = performance.now();
  for (const [key, draw] of queue) {
    queue.delete(key);
    try {
      draw();
    } catch (e) {
      console.error(`drawing ${key} failed`, e);
    }
    if (performance.now() - t0 > FRAME_BUDGET_MS) break;
  }
  if (queue.size && !pending) {
    pending = true;
    requestAnimationFrame(flush);
  }
}

/**
 * Whether `el` is rendered (not inside a closed `<details>` or `display: none`) and its size,
 * kept up to date by observers; `onShow` runs when it becomes shown or changes width, so a
 * view that skipped drawing while hidden catches up.
 * @param {Element} el
 * @param {() => void} onShow
 * @returns {{shown: boolean, width: number, height: number}}
 */
export function watch(el, onShow) {
  const state = { shown: false, width: 0, height: 0 };
  // A huge root margin: "intersects" means "has a box", wherever the page is scrolled.
  new IntersectionObserver((entries) => {
    const shown = entries.at(-1)?.isIntersecting ?? false;
    const was = state.shown;
    state.shown = shown;
    if (shown && !was) onShow();
  }, { rootMargin: '100000px' }).observe(el);
  new ResizeObserver((entries) => {
    const box = entries.at(-1)?.contentRect;
    const w = Math.round(box?.width ?? 0);
    state.height = Math.round(box?.height ?? 0);
    if (w === state.width) return;
    state.width = w;
    if (state.shown && w > 0) onShow();
  }).observe(el);
  return state;
}
