// Shared helpers for the end-to-end tests: a static server for dist/ on 127.0.0.1 and a
// headless Debian Chromium driven by playwright-core (never a downloaded browser).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.gz': 'application/octet-stream', '.md': 'text/plain',
};

/**
 * Serves `root` on 127.0.0.1 (port 0 = any free port), like `cargo xtask serve`: with the
 * cross-origin isolation headers (so the page runs its threaded build) unless `isolated` is
 * false. Resolves to {url, close}.
 */
export function serve(root, port = 0, { isolated = true } = {}) {
  const isolation = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'cross-origin' } : {};
  const server = createServer(async (req, res) => {
    try {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
      let file = join(root, path);
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => {
    // close() also drops kept-alive connections: after it, the server is really gone.
    resolve({ url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) });
  }));
}

/** @type {string[]} */ const scratchDirs = [];
/** Removes `dir`; a browser still writing its profile as it exits gets a few retries, and a
 * directory that still will not go is left for the exit handler rather than failing a test. */
const removeDir = (/** @type {string} */ dir) => {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {}
};
process.on('exit', () => scratchDirs.forEach(removeDir));

/**
 * A fresh directory under the system's temporary directory (`prefix` + random suffix), removed
 * when this process exits — browser profiles and CLI outputs never pile up in /tmp.
 */
export function scratchDir(/** @type {string} */ prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/** Debian's Chromium, headless, with the flags this machine needs (see TOOLCHAIN.md). */
export async function launch() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  const userDataDir = scratchDir('depthlab-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  // A run launches many browsers: each profile goes as soon as its browser has closed.
  context.on('close', () => removeDir(userDataDir));
  return context;
}

/** Fails the process with a message. */
export function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exitCode = 1;
  throw new Error(msg);
}

/**
 * A test runner: `test(name, fn)` runs `fn` and prints ok/FAIL with the time (only the tests
 * whose name contains DEPTHLAB_E2E, case-insensitive, when it is set); `failures()` counts.
 */
export function tester() {
  const only = process.env.DEPTHLAB_E2E?.toLowerCase();
  let failed = 0;
  return {
    /** @param {string} name @param {() => Promise<void>} fn */
    async test(name, fn) {
      if (only && !name.toLowerCase().includes(only)) return;
      const t0 = Date.now();
      try {
        await fn();
        console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed += 1;
        console.log(`FAIL ${name}: ${/** @type {Error} */ (e).message}`);
      }
    },
    failures: () => failed,
  };
}

/** Throws `msg` unless `cond`. @param {unknown} cond @param {string} msg */
export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/**
 * A heap snapshot of the page behind `cdp` (a CDP session), parsed; taking it collects
 * garbage first. Used by the soak test and the heap-diff diagnostic.
 * @param {any} cdp
 */
export async function takeHeapSnapshot(cdp) {
  /** @type {string[]} */ const chunks = [];
  const onChunk = (/** @type {{chunk: string}} */ e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return JSON.parse(chunks.join(''));
}
