// Diagnostic (not part of the test command): trains like the soak test and, at the minutes
// given, takes a heap snapshot and prints which object kinds grew since the first.
//   node tests/e2e/heapdiff.mjs 4 9 14
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, takeHeapSnapshot } from './lib.mjs';

const at = process.argv.slice(2).map(Number);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const srv = await serve(join(root, 'dist'));
const ctx = await launch();
const page = await ctx.newPage();
await page.goto(`${srv.url}?steps=1000000&seed=5`);
await page.waitForFunction(() => window.depthlab?.phase === 'idle', null, { timeout: 60_000 });
const cdp = await ctx.newCDPSession(page);

async function snapshot() {
  await cdp.send('HeapProfiler.collectGarbage');
  const snap = await takeHeapSnapshot(cdp);
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const n = f.length;
  const [ti, ni, si] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  /** @type {Map<string, {count: number, size: number}>} */ const by = new Map();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + ti]];
    let name = snap.strings[snap.nodes[i + ni]];
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    if (type === 'code') name = '(code)';
    const key = `${type}:${String(name).slice(0, 60)}`;
    const e = by.get(key) ?? { count: 0, size: 0 };
    e.count += 1;
    e.size += snap.nodes[i + si];
    total += snap.nodes[i + si];
    by.set(key, e);
  }
  return { by, total };
}

await page.click('#start');
const t0 = Date.now();
let first = null;
for (const m of at) {
  const wait = t0 + m * 60_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const s = await snapshot();
  const steps = await page.evaluate(() => window.depthlab.lastMetrics?.step ?? 0);
  console.log(`minute ${m}: ${steps} steps, snapshot total ${(s.total / 1048576).toFixed(2)} MB`);
  if (!first) { first = s; continue; }
  const rows = [];
  for (const [k, v] of s.by) {
    const b = first.by.get(k) ?? { count: 0, size: 0 };
    if (v.size - b.size !== 0) rows.push([k, v.size - b.size, v.count - b.count]);
  }
  for (const [k, v] of first.by) if (!s.by.has(k)) rows.push([k, -v.size, -v.count]);
  rows.sort((a, b) => Math.abs(Number(b[1])) - Math.abs(Number(a[1])));
  for (const [k, d, c] of rows.slice(0, 25)) console.log(`   ${String(d).padStart(9)} B ${String(c).padStart(6)}  ${k}`);
}
await ctx.close();
await srv.close();
