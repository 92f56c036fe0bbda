// @ts-check
// Downloads: a run's metrics as CSV, a sweep's table as CSV (the columns of `depthlab sweep
// --out table.csv`), a chart as PNG. Files are made in the page; nothing is uploaded.
import { finalMean } from '../views/sweep.js';

/** @typedef {import('./runs.js').Run} Run */

/** Saves `blob` as `name` through a temporary link. */
export function download(/** @type {Blob} */ blob, /** @type {string} */ name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from any text. */
export const fileName = (/** @type {string} */ s) => s.replace(/[^A-Za-z0-9-]+/g, '_').replace(/^_+|_+$/g, '') || 'run';

/** One row per step: step, loss, accuracy, and the test accuracy and loss where an evaluation ended that step. */
export function runCsv(/** @type {Run} */ r) {
  const tests = new Map(r.metrics.tests.map((t) => [t.step, t]));
  const lines = ['step,epoch,loss,accuracy,test_accuracy,test_loss'];
  const bpe = r.bpe || 1;
  r.metrics.steps.forEach((s, i) => {
    const t = tests.get(s);
    lines.push(`${s},${Math.floor((s - 1) / bpe)},${r.metrics.losses[i]},${r.metrics.accs[i]},${t ? t.accuracy : ''},${t ? t.loss : ''}`);
  });
  return `${lines.join('\n')}\n`;
}

/** The sweep table, one row per finished run, as `depthlab sweep --out table.csv` writes it. */
export function sweepCsv(/** @type {Run[]} */ runs) {
  const lines = ['model,name,params,steps,final_train_loss,final_train_accuracy,test_accuracy,test_loss,seconds'];
  for (const r of runs) {
    if (!r.sweep || r.status !== 'done') continue;
    const t = r.metrics.tests.at(-1);
    lines.push([`${r.sweep.family}:${r.sweep.depth}`, JSON.stringify(r.modelName), r.params, r.metrics.count, finalMean(r.metrics.losses),
      finalMean(r.metrics.accs), t?.accuracy ?? '', t?.loss ?? '', r.elapsed.toFixed(1)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The chart in `el` (uPlot draws on one canvas) as a PNG, on white. */
export function chartPng(/** @type {HTMLElement} */ el, /** @type {string} */ name) {
  const src = el.querySelector('canvas');
  if (!src) return;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(src, 0, 0);
  c.toBlob((b) => b && download(b, name), 'image/png');
}
