// The service worker: the page works offline after its first visit. It keeps every file of the
// build in one cache, refreshed whenever precache.json (written at build time, see
// scripts/precache.mjs) has a new version — at install and at each visit while online.
// Requests go to the network first, so a new version is used as soon as it is published; the
// cache answers when the network does not. Copied to the site's root so its scope is the page.
// It also makes the page cross-origin isolated where the server does not (a static host that
// cannot set headers): every response it hands over carries COOP/COEP, so after one reload the
// page may use the threaded build (www/js/threads.js).
const CACHE = 'depthlab';

/** Caches every file of the build if precache.json's version differs from the cached one. */
async function refresh() {
  const res = await fetch('precache.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`precache.json: HTTP ${res.status}`);
  const manifest = await res.clone().json();
  const cache = await caches.open(CACHE);
  const cached = await cache.match('precache.json');
  const old = cached ? await cached.json().catch(() => null) : null;
  if (old?.version === manifest.version) return;
  await cache.addAll(manifest.files.map((/** @type {string} */ f) => new Request(f, { cache: 'no-store' })));
  await cache.put('precache.json', res);
}

self.addEventListener('install', (/** @type {any} */ event) => {
  event.waitUntil(refresh().then(() => /** @type {any} */ (self).skipWaiting()));
});

self.addEventListener('activate', (/** @type {any} */ event) => {
  event.waitUntil(/** @type {any} */ (self).clients.claim());
});

/** `res` with the cross-origin isolation headers (unchanged if the server sent them). */
function isolated(/** @type {Response} */ res) {
  if (res.type === 'opaque' || res.status === 0 || res.headers.has('Cross-Origin-Embedder-Policy')) return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

self.addEventListener('fetch', (/** @type {any} */ event) => {
  const req = /** @type {Request} */ (event.request);
  if (req.method !== 'GET' || new URL(req.url).origin !== location.origin) return;
  event.respondWith((async () => {
    try {
      const res = await fetch(req);
      // A visit while online: pick up a newly published version for the next offline visit.
      if (req.mode === 'navigate') event.waitUntil(refresh().catch(() => {}));
      return isolated(res);
    } catch (e) {
      // Offline: the page itself for any address of it (?lesson=… included), else the file.
      const hit = req.mode === 'navigate' ? await caches.match('./') : await caches.match(req, { ignoreSearch: true });
      if (hit) return isolated(hit);
      throw e;
    }
  })());
});
