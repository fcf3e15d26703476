// @ts-check
/**
 * The service worker: keeps the page, the scanner and the documents on the device so that
 * the verifier opens and works with no network (issue 11).
 *
 * - install: caches every file of this build (the list below, written by `anxinma web
 *   build` with a hash of the build, so a new build installs a new worker);
 * - page, scripts, wasm: cache first (they change only with a new build);
 * - documents/: network first, the cached copy when offline; the page itself checks every
 *   document against the pinned root and refuses rollbacks, so the worker needs no rules;
 * - only same-origin GET requests are handled; nothing else is ever fetched.
 */
/* global self, caches */
const MANIFEST = /*BUILD-MANIFEST*/ { build: 'unbuilt', assets: ['./'] } /*END-BUILD-MANIFEST*/;
const CACHE = `anxinma-${MANIFEST.build}`;

const sw = /** @type {any} */ (self);

sw.addEventListener('install', (/** @type {any} */ event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(MANIFEST.assets.map((/** @type {string} */ path) => new Request(path, { cache: 'reload' })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (/** @type {any} */ event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('anxinma-') && name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

/** @param {Request} request */
async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(new URL(request.url).pathname, response.clone());
    return response;
  } catch (exc) {
    const cached = await cache.match(new URL(request.url).pathname);
    if (cached) return cached;
    throw exc;
  }
}

/** @param {Request} request */
async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  return cached ?? fetch(request);
}

sw.addEventListener('fetch', (/** @type {any} */ event) => {
  const request = /** @type {Request} */ (event.request);
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return;
  const scope = new URL(sw.registration.scope);
  const inDocuments = url.pathname.startsWith(`${scope.pathname}documents/`);
  event.respondWith(inDocuments ? networkFirst(request) : cacheFirst(request));
});
