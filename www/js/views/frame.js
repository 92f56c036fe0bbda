// @ts-check
// One scheduler for every view's drawing. A view asks for a draw under a key; at the next
// animation frame the queued draws run in order until FRAME_BUDGET_MS have gone, and the rest
// wait for the following frame. So a burst of work — a sweep adding six runs, each view
// rebuilding its plots — is spread over several frames instead of one long main-thread task,
// and a key asked for twice before its frame draws once. A draw that asks for itself again (a
// plot built in this frame, its data in the next) waits for the next frame.
//
// Views also never read layout to decide whether they are shown (reading `offsetParent` or
// `clientWidth` forces a synchronous layout of the whole page, measured at 27 ms during a
// sweep): `watch()` keeps a view's visibility and width from observers instead.

/** Milliseconds of drawing per frame before the remaining draws move to the next frame. */
export const FRAME_BUDGET_MS = 8;

/**
 * Longest `whenDrawn` waits for the views to finish drawing (animation frames do not run in a
 * hidden tab or a scrolled-away frame; the callback must still run).
 */
export const SETTLE_MAX_MS = 300;

/** @type {Map<string, () => void>} */
const queue = new Map();
let pending = false;
/** @type {(() => void)[]} */
const settled = [];

/**
 * Runs `f` in a task of its own once the views have drawn what is queued (or after
 * SETTLE_MAX_MS). The page starts training this way: a sweep's first frames build its plots,
 * and on a 2-core machine they ran 2–3× slower with both cores already training (tasks of
 * 51–96 ms); drawn first, they run on an idle core.
 */
export function whenDrawn(/** @type {() => void} */ f) {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    f();
  };
  const drawing = pending || queue.size > 0;
  setTimeout(once, drawing ? SETTLE_MAX_MS : 0);
  if (drawing) settled.push(once);
}

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
  // The draws queued now; one asked for while these run goes to the next frame (iterating the
  // live Map would run it in this one, past the budget's last check).
  for (const [key, draw] of [...queue]) {
    if (queue.get(key) !== draw) continue; // asked for again meanwhile: the newer draw, next frame
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
  } else if (!queue.size) {
    for (const f of settled.splice(0)) setTimeout(f, 0);
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
