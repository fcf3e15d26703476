// The outbox: visit records wait here until the issuer's endpoint has answered for each of
// them, and are sent when the device is online (spec/visit-v1.md §6.6).
//
// A record is removed only on an answer about it: stored, duplicate (stored before), or
// refused for a reason that sending again cannot fix.  A network error, a 429, a 503 or any
// other answer keeps everything for a later try (after at least the Retry-After).  With the
// endpoint storing each record id once (§6.3), every record arrives exactly once.
//
// Storage is a small interface so that the logic is testable outside a browser:
// ``idbStore()`` (IndexedDB, the page) or ``memoryStore()`` (tests).

import { base64url, done, hex, openStore, request } from './visit.js';

/**
 * @typedef {Object} Pending
 * @property {string} id        the record id, hex
 * @property {string} text      the record, base64url
 * @property {number} addedAt   milliseconds since the epoch
 */
/**
 * @typedef {Object} Store
 * @property {(item: Pending) => Promise<void>} put
 * @property {(ids: string[]) => Promise<void>} remove
 * @property {() => Promise<Pending[]>} all   oldest first
 */
/**
 * @typedef {Object} FlushResult
 * @property {number} sent       records the endpoint answered for and that left the outbox
 * @property {number} kept       records still waiting
 * @property {number} retryAfter seconds to wait before the next try (0: none asked)
 * @property {string|null} error why the last request failed, or null
 */

export const MAX_PER_REQUEST = 100;

/** IndexedDB storage (the page). @param {IDBFactory} [idb] @returns {Store} */
export function idbStore(idb = indexedDB) {
  const name = 'anxinma-outbox';
  const store = 'records';
  const db = openStore(idb, name, store);
  return {
    async put(item) {
      const tx = (await db).transaction(store, 'readwrite');
      tx.objectStore(store).put(item, item.id);
      await done(tx);
    },
    async remove(ids) {
      const tx = (await db).transaction(store, 'readwrite');
      for (const id of ids) tx.objectStore(store).delete(id);
      await done(tx);
    },
    async all() {
      const items = /** @type {Pending[]} */ (
        await request((await db).transaction(store).objectStore(store).getAll()));
      return items.sort((a, b) => a.addedAt - b.addedAt);
    },
  };
}

/** In-memory storage (tests). @returns {Store} */
export function memoryStore() {
  /** @type {Map<string, Pending>} */
  const items = new Map();
  return {
    async put(item) { items.set(item.id, item); },
    async remove(ids) { for (const id of ids) items.delete(id); },
    async all() { return [...items.values()].sort((a, b) => a.addedAt - b.addedAt); },
  };
}

export class Outbox {
  /**
   * @param {string} url        the endpoint, e.g. https://issuer.example/v1/visits (set at web build)
   * @param {Store} store
   * @param {{fetch?: typeof fetch, now?: () => number}} [options]
   */
  constructor(url, store, options = {}) {
    this.url = url;
    this.store = store;
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    this.now = options.now ?? (() => Date.now());
    /** @type {Promise<FlushResult>|null} */
    this.flushing = null;
  }

  /**
   * Keep a signed record until the endpoint has answered for it.
   * @param {Uint8Array} record @param {Uint8Array} recordId
   */
  async add(record, recordId) {
    await this.store.put({ id: hex(recordId), text: base64url(record), addedAt: this.now() });
  }

  /** Records waiting. */
  async pending() {
    return (await this.store.all()).length;
  }

  /** Send what waits (one flush at a time). @returns {Promise<FlushResult>} */
  flush() {
    if (!this.flushing) {
      this.flushing = this.#flush().finally(() => { this.flushing = null; });
    }
    return this.flushing;
  }

  async #flush() {
    let sent = 0;
    const all = await this.store.all();
    for (let i = 0; i < all.length; i += MAX_PER_REQUEST) {
      const batch = all.slice(i, i + MAX_PER_REQUEST);
      const answer = await this.#send(batch);
      if (answer.error !== null) {
        return { sent, kept: all.length - sent, retryAfter: answer.retryAfter, error: answer.error };
      }
      await this.store.remove(answer.gone);
      sent += answer.gone.length;
    }
    return { sent, kept: all.length - sent, retryAfter: 0, error: null };
  }

  /**
   * One request: the ids that may leave the outbox, or why nothing may.
   * @param {Pending[]} batch
   * @returns {Promise<{gone: string[], retryAfter: number, error: string|null}>}
   */
  async #send(batch) {
    let response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ records: batch.map((p) => p.text) }),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch (exc) {
      return { gone: [], retryAfter: 0, error: `network: ${exc}` };
    }
    if (response.status !== 200) {
      const retryAfter = Number(response.headers.get('Retry-After')) || 0;
      return { gone: [], retryAfter, error: `HTTP ${response.status}` };
    }
    let results;
    try {
      results = (await response.json()).results;
    } catch (exc) {
      return { gone: [], retryAfter: 0, error: `answer: ${exc}` };
    }
    if (!Array.isArray(results) || results.length !== batch.length) {
      return { gone: [], retryAfter: 0, error: 'answer: not one result per record' };
    }
    const gone = batch.filter((_, i) => results[i] && results[i].retryable === false).map((p) => p.id);
    return { gone, retryAfter: 0, error: null };
  }

  /**
   * Flush now and whenever the device comes back online, retrying with back-off (30 s, doubling
   * to 30 min, at least Retry-After) while records wait.  Returns a function that stops it.
   * @param {{addEventListener: Function, removeEventListener: Function}} [target] window
   */
  keepSending(target = globalThis) {
    let delay = 30;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    let timer;
    const run = async () => {
      clearTimeout(timer);
      const result = await this.flush();
      if (result.kept > 0) {
        delay = result.error ? Math.min(delay * 2, 1800) : 30;
        timer = setTimeout(run, 1000 * Math.max(delay, result.retryAfter));
      } else {
        delay = 30;
      }
    };
    target.addEventListener('online', run);
    run();
    return () => { clearTimeout(timer); target.removeEventListener('online', run); };
  }
}
