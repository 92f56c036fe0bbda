// Trunk post-build hook: writes precache.json into the staging folder — every file of the
// build (paths relative to the page) and a version, the SHA-256 of their contents — for the
// service worker (www/sw.js), which caches them all on install so the page works offline.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('precache.mjs runs as a Trunk post_build hook (TRUNK_STAGING_DIR is not set)');
  process.exit(2);
}
/** Files the page never needs offline: the benchmark page, the data's provenance note and the font subset's character list. */
const SKIP = new Set(['precache.json', '_headers', 'www/bench.html', 'www/data/README.md', 'www/fonts/noto-sans-sc-subset.chars.txt', 'www/sw.js']);
/** @returns {string[]} */
function walk(/** @type {string} */ d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [relative(dir, p).split(sep).join('/')];
  });
}
const files = walk(dir).filter((f) => !SKIP.has(f) && !f.includes('/workers/bench')).sort();
const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(dir, f)));
const version = hash.digest('hex').slice(0, 16);
writeFileSync(join(dir, 'precache.json'), JSON.stringify({ version, files: ['./', ...files] }));
console.log(`precache.json: ${files.length} files, version ${version}`);
