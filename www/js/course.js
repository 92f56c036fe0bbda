// @ts-check
// The demo course page (www/course.html): each section gets an <iframe> of the page in embed
// mode and buttons that send it commands; the events it sends back are shown and logged. This
// is what a course author's own page does (README, "Embedding"). `window.course` is a hook
// for the end-to-end test.

/** @typedef {{frame: HTMLIFrameElement, state: HTMLElement, events: Record<string, any>[], ready: boolean}} Embed */
/** @type {Embed[]} */
const embeds = [];
const log = /** @type {HTMLElement} */ (document.getElementById('log'));

/** Sends `command` to embed `i`. @param {number} i @param {Record<string, unknown>} command */
function send(i, command) {
  embeds[i].frame.contentWindow?.postMessage({ depthlab: 1, ...command }, location.origin);
}

for (const [i, section] of [...document.querySelectorAll('section.embed')].entries()) {
  const frame = document.createElement('iframe');
  frame.src = /** @type {HTMLElement} */ (section).dataset.src ?? '';
  frame.title = section.querySelector('h2')?.textContent ?? `experiment ${i + 1}`;
  const controls = document.createElement('div');
  controls.className = 'controls';
  for (const [label, type] of [['Start', 'start'], ['Pause / resume', 'pause'], ['Reset', 'reset']]) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', () => send(i, { type }));
    controls.append(b);
  }
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = 'loading…';
  controls.append(state);
  section.append(controls, frame);
  embeds.push({ frame, state, events: [], ready: false });
}

window.addEventListener('message', (e) => {
  if (e.origin !== location.origin) return;
  const i = embeds.findIndex((x) => x.frame.contentWindow === e.source);
  const m = e.data;
  if (i < 0 || !m || m.depthlab !== 1) return;
  const x = embeds[i];
  x.events.push({ ...m, at: performance.now() });
  if (m.type === 'ready') x.ready = true;
  x.state.textContent =
    m.type === 'progress' ? `run ${m.runId}: step ${m.step} / ${m.totalSteps}, loss ${m.loss?.toFixed(3)}`
    : m.type === 'epoch' ? `run ${m.runId}: epoch ${m.epoch}, test accuracy ${(m.testAccuracy * 100).toFixed(1)}%`
    : m.type === 'done' ? `run ${m.runId} ${m.status} after ${m.steps} steps`
    : m.type === 'error' ? `error: ${m.message}`
    : m.type;
  if (m.type !== 'progress') {
    const li = document.createElement('li');
    li.textContent = `experiment ${i + 1}: ${JSON.stringify(m)}`;
    log.prepend(li);
  }
});

document.getElementById('startAll')?.addEventListener('click', () => embeds.forEach((_, i) => send(i, { type: 'start' })));

/** @type {any} */ (window).course = { send, embeds: () => embeds.map((x) => ({ ready: x.ready, events: x.events })) };
