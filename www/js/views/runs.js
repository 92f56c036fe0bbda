// @ts-check
// The runs panel: one row per run — show/hide, colour, name (click: select, double-click:
// rename), status (queue position, progress, wait for data, final accuracy), and Stop,
// Duplicate (loads its settings into the form to change one and Start) and Remove. Built with
// DOM calls only; redrawn at most once per animation frame.

import { el } from './dom.js';

/** @typedef {import('../lab/runs.js').Run} Run */

/**
 * @typedef {{select: (id: number) => void, toggle: (id: number, visible: boolean) => void, rename: (id: number, name: string) => void,
 *   stop: (id: number) => void, duplicate: (id: number) => void, remove: (id: number) => void, csv: (id: number) => void}} RunActions
 */

/** What a run is doing, in a few words. */
export function statusText(/** @type {Run} */ r) {
  const last = r.metrics.tests.at(-1);
  const acc = last ? ` · test ${(last.accuracy * 100).toFixed(2)}%` : '';
  switch (r.status) {
    case 'queued':
      return `queued #${r.queuePos}`;
    case 'starting':
      return 'starting';
    case 'running':
    case 'paused': {
      const pct = r.totalSteps ? Math.floor((100 * r.metrics.steps.length) / r.totalSteps) : 0;
      return `${r.status} ${pct}% · waits ${(r.waitFraction * 100).toFixed(1)}%${acc}`;
    }
    case 'done':
      return `done in ${r.elapsed.toFixed(1)} s${acc}${r.weights ? ` · weights ${(r.weights.byteLength / 1024).toFixed(0)} KiB` : ''}`;
    case 'stopped':
      return `stopped at step ${r.metrics.steps.length}${acc}`;
    case 'failed':
      return `failed: ${r.message}`;
  }
}

export class RunsView {
  /** @param {HTMLElement} list @param {RunActions} actions */
  constructor(list, actions) {
    this.list = list;
    this.actions = actions;
    this.dirty = false;
    /** @type {() => {runs: Run[], selected: number | null, name: (r: Run) => string}} */
    this.source = () => ({ runs: [], selected: null, name: () => '' });
  }

  update(/** @type {() => {runs: Run[], selected: number | null, name: (r: Run) => string}} */ source) {
    this.source = source;
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      this.draw();
    });
  }

  draw() {
    const { runs, selected, name } = this.source();
    const a = this.actions;
    if (!runs.length) {
      this.list.replaceChildren(el('li', { class: 'empty' }, 'No runs yet: choose a model and press Start. Every Start adds a run; runs train side by side, one per worker.'));
      return;
    }
    this.list.replaceChildren(...runs.map((r) => {
      const li = el('li', { 'data-run': String(r.id), class: `run ${r.status}${r.id === selected ? ' selected' : ''}` });
      const show = el('input', { type: 'checkbox', title: 'Show in the charts', 'aria-label': `show ${name(r)}` });
      show.checked = r.visible;
      show.addEventListener('change', () => a.toggle(r.id, show.checked));
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = r.color;
      const label = el('button', { type: 'button', class: 'name', title: 'Select (double-click to rename)' }, name(r));
      label.addEventListener('click', () => a.select(r.id));
      label.addEventListener('dblclick', () => {
        const input = el('input', { type: 'text', class: 'rename', value: name(r), 'aria-label': 'run name' });
        const done = () => a.rename(r.id, input.value.trim());
        input.addEventListener('keydown', (e) => { if (e.key === 'Enter') done(); if (e.key === 'Escape') this.draw(); });
        input.addEventListener('blur', done);
        label.replaceWith(input);
        input.focus();
        input.select();
      });
      const status = el('span', { class: 'status' }, statusText(r));
      const buttons = el('span', { class: 'actions' });
      const active = ['queued', 'starting', 'running', 'paused'].includes(r.status);
      for (const [text, fn, show] of /** @type {[string, (id: number) => void, boolean][]} */ ([
        ['Stop', a.stop, active], ['CSV', a.csv, r.metrics.steps.length > 0], ['Duplicate', a.duplicate, true], ['Remove', a.remove, true],
      ])) {
        if (!show) continue;
        const b = el('button', { type: 'button', class: `run-${text.toLowerCase()}` }, text);
        b.addEventListener('click', () => fn(r.id));
        buttons.append(b);
      }
      li.append(show, swatch, label, status, buttons);
      return li;
    }));
  }
}
