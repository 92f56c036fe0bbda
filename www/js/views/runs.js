// @ts-check
// The runs panel: one row per run — show/hide, colour, name (click: select, double-click:
// rename), status (queue position, progress, wait for data, final accuracy), and Stop,
// Duplicate (loads its settings into the form to change one and Start) and Remove. Built with
// DOM calls only; drawn through the frame scheduler, rows updated in place.

import { el, setText } from './dom.js';
import { requestDraw } from './frame.js';
import { words, say } from '../i18n/index.js';

/** @typedef {import('../lab/runs.js').Run} Run */

/**
 * @typedef {{select: (id: number) => void, toggle: (id: number, visible: boolean) => void, rename: (id: number, name: string) => void,
 *   stop: (id: number) => void, duplicate: (id: number) => void, remove: (id: number) => void, csv: (id: number) => void}} RunActions
 */

/** What a run is doing, in a few words. */
export function statusText(/** @type {Run} */ r) {
  const w = words().views;
  const last = r.metrics.tests.at(-1);
  const acc = last ? w.test((last.accuracy * 100).toFixed(2)) : '';
  switch (r.status) {
    case 'queued':
      return w.queued(r.queuePos);
    case 'starting':
      return w.starting;
    case 'running':
    case 'paused': {
      const pct = r.totalSteps ? Math.floor((100 * r.metrics.count) / r.totalSteps) : 0;
      return `${w.progress(w[r.status], pct, (r.waitFraction * 100).toFixed(1))}${acc}`;
    }
    case 'done':
      return `${w.doneIn(r.elapsed.toFixed(1))}${acc}${r.weights ? w.weights((r.weights.byteLength / 1024).toFixed(0)) : ''}`;
    case 'stopped':
      return `${w.stoppedAt(r.metrics.count)}${acc}`;
    case 'failed':
      return w.failed(r.problem ? say(r.problem) : r.message);
  }
}

export class RunsView {
  /** @param {HTMLElement} list @param {RunActions} actions */
  constructor(list, actions) {
    this.list = list;
    this.actions = actions;
    /** @type {() => {runs: Run[], selected: number | null, name: (r: Run) => string}} */
    this.source = () => ({ runs: [], selected: null, name: () => '' });
    /** The rows drawn, by run id: rebuilt when the list of runs changes, else updated in place. */
    /** @type {Map<number, Row>} */ this.rows = new Map();
    /** @type {string | null} */ this.drawnFor = null;
  }

  update(/** @type {() => {runs: Run[], selected: number | null, name: (r: Run) => string}} */ source) {
    this.source = source;
    requestDraw('runs', () => this.draw());
  }

  draw() {
    const { runs, selected, name } = this.source();
    const ids = runs.map((r) => r.id).join(',');
    if (!runs.length) {
      if (this.drawnFor !== '') this.list.replaceChildren(el('li', { class: 'empty' }, words().views.noRuns));
      this.drawnFor = '';
      this.rows.clear();
      return;
    }
    if (ids !== this.drawnFor) {
      this.drawnFor = ids;
      this.rows = new Map(runs.map((r) => [r.id, new Row(r.id, this.actions, () => this.draw())]));
      this.list.replaceChildren(...[...this.rows.values()].map((row) => row.li));
    }
    for (const r of runs) this.rows.get(r.id)?.write(r, r.id === selected, name(r));
  }
}

/** One run's row; `write` touches the DOM only where something changed. */
class Row {
  /** @param {number} id @param {RunActions} a @param {() => void} redraw */
  constructor(id, a, redraw) {
    this.li = el('li', { 'data-run': String(id) });
    this.show = el('input', { type: 'checkbox', title: words().views.showInCharts });
    this.show.addEventListener('change', () => a.toggle(id, this.show.checked));
    this.swatch = el('span', { class: 'swatch' });
    this.label = el('button', { type: 'button', class: 'name', title: words().views.selectRename });
    this.label.addEventListener('click', () => a.select(id));
    this.label.addEventListener('dblclick', () => {
      const input = el('input', { type: 'text', class: 'rename', value: this.label.textContent ?? '', 'aria-label': words().views.runNameAria });
      let finished = false;
      const done = (/** @type {boolean} */ save) => {
        if (finished) return;
        finished = true;
        input.replaceWith(this.label);
        if (save) a.rename(id, input.value.trim());
        else redraw();
      };
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') done(true); if (e.key === 'Escape') done(false); });
      input.addEventListener('blur', () => done(true));
      this.label.replaceWith(input);
      input.focus();
      input.select();
    });
    this.status = el('span', { class: 'status' });
    this.buttons = el('span', { class: 'actions' });
    this.li.append(this.show, this.swatch, this.label, this.status, this.buttons);
    this.actions = a;
    this.id = id;
    /** Which buttons are shown, to rebuild them only when that changes. */
    this.buttonsFor = '';
    this.color = '';
  }

  /** @param {Run} r @param {boolean} selected @param {string} name */
  write(r, selected, name) {
    const cls = `run ${r.status}${selected ? ' selected' : ''}`;
    if (this.li.className !== cls) this.li.className = cls;
    if (this.show.checked !== r.visible) this.show.checked = r.visible;
    const aria = words().views.showRun(name);
    if (this.show.getAttribute('aria-label') !== aria) this.show.setAttribute('aria-label', aria);
    if (this.color !== r.color) this.swatch.style.background = this.color = r.color;
    setText(this.label, name);
    setText(this.status, statusText(r));
    const active = ['queued', 'starting', 'running', 'paused'].includes(r.status);
    const w = words().views;
    const which = /** @type {['stop' | 'csv' | 'duplicate' | 'remove', (id: number) => void, boolean][]} */ ([
      ['stop', this.actions.stop, active], ['csv', this.actions.csv, r.metrics.count > 0], ['duplicate', this.actions.duplicate, true], ['remove', this.actions.remove, true],
    ]).filter(([, , show]) => show);
    const key = `${words().lang}:${which.map(([t]) => t).join(',')}`;
    if (key === this.buttonsFor) return;
    this.buttonsFor = key;
    this.buttons.replaceChildren(...which.map(([action, fn]) => {
      const b = el('button', { type: 'button', class: `run-${action}` }, w[action]);
      b.addEventListener('click', () => fn(this.id));
      return b;
    }));
  }
}
