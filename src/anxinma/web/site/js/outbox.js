// @ts-check
/**
 * The outbox: visit records wait here until the issuer's endpoint has answered for each of
 * them, and are sent when the device is online (spec/visit-v1.md §6.6).
 *
 * A record is removed only on an answer about it: stored, duplicate (stored before), or
 * refused for a reason that sending again cannot fix.  A network error, a 429, a 503 or any
 * other answer keeps everything for a later try (after at least the Retry-After).  With the
 * endpoint storing each record id once (§6.3), every record arrives exactly once.
 *
 * Storage is a small interface so that the logic is testable outside a browser: the page
 * keeps the records in IndexedDB (device.js), tests in memory (``memoryStore()``).
 * @module outbox
 */

import { base64url, hex } from './visit.js';

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
 * @property {number} sent          records the endpoint answered for and that left the outbox
 * @property {number} acknowledged  of those, stored or duplicate (stored before)
 * @property {{id: string, reason: string}[]} refused  of those, refused for good (with why)
 * @property {number} kept          records still waiting
 * @property {number} retryAfter    seconds to wait before the next try (0: none asked)
 * @property {string|null} error    why the last request failed, or null
 */

export const MAX_PER_REQUEST = 100;
/** The first wait after a failed try, and the longest (seconds): doubling in between. */
export const FIRST_DELAY = 30;
export const MAX_DELAY = 1800;

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

/**
 * @typedef {Object} OutboxOptions
 * @property {typeof fetch} [fetch]
 * @property {() => number} [now]                 milliseconds since the epoch
 * @property {(result: FlushResult) => void} [onFlush]  told after every try
 */

export class Outbox {
  /**
   * @param {string} url        the endpoint's URL (set at web build: config.js visitsUrl)
   * @param {Store} store
   * @param {OutboxOptions} [options]
   */
  constructor(url, store, options = {}) {
    this.url = url;
    this.store = store;
    /** @type {typeof fetch} */
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => Date.now());
    this.onFlush = options.onFlush ?? (() => {});
    /** @type {Promise<unknown>} one flush at a time, in the order asked */
    this.queue = Promise.resolve();
    this.lastAdded = 0;
  }

  /**
   * Keep a signed record until the endpoint has answered for it.
   * @param {Uint8Array} record @param {Uint8Array} recordId
   */
  async add(record, recordId) {
    // strictly increasing, so that records go out in the order they were made (a clock that
    // stands still, or two records in one millisecond, would otherwise leave it to chance)
    const addedAt = Math.max(this.now(), this.lastAdded + 1);
    this.lastAdded = addedAt;
    await this.store.put({ id: hex(recordId), text: base64url(record), addedAt });
  }

  /** Records waiting. */
  async pending() {
    return (await this.store.all()).length;
  }

  /**
   * Send what waits.  Flushes run one after the other: a record added while one is under
   * way is sent by the next.
   * @returns {Promise<FlushResult>}
   */
  flush() {
    const run = this.queue.then(() => this.#flush());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** @returns {Promise<FlushResult>} */
  async #flush() {
    /** @type {FlushResult} */
    const result = { sent: 0, acknowledged: 0, refused: [], kept: 0, retryAfter: 0, error: null };
    const all = await this.store.all();
    for (let i = 0; i < all.length; i += MAX_PER_REQUEST) {
      const batch = all.slice(i, i + MAX_PER_REQUEST);
      const answer = await this.#send(batch);
      if (answer.error !== null) {
        result.retryAfter = answer.retryAfter;
        result.error = answer.error;
        break;
      }
      await this.store.remove(answer.gone);
      result.sent += answer.gone.length;
      result.acknowledged += answer.acknowledged;
      result.refused.push(...answer.refused);
    }
    result.kept = all.length - result.sent;
    if (all.length) this.onFlush(result);
    return result;
  }

  /**
   * One request: the ids that may leave the outbox, or why nothing may.
   * @param {Pending[]} batch
   * @returns {Promise<{gone: string[], acknowledged: number, refused: {id: string, reason: string}[], retryAfter: number, error: string|null}>}
   */
  async #send(batch) {
    const nothing = { gone: [], acknowledged: 0, refused: [] };
    let response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ records: batch.map((p) => p.text) }),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
      });
    } catch (exc) {
      return { ...nothing, retryAfter: 0, error: `network: ${exc}` };
    }
    if (response.status !== 200) {
      const retryAfter = Number(response.headers.get('Retry-After')) || 0;
      return { ...nothing, retryAfter, error: `HTTP ${response.status}` };
    }
    let results;
    try {
      results = (await response.json()).results;
    } catch (exc) {
      return { ...nothing, retryAfter: 0, error: `answer: ${exc}` };
    }
    if (!Array.isArray(results) || results.length !== batch.length) {
      return { ...nothing, retryAfter: 0, error: 'answer: not one result per record' };
    }
    /** @type {string[]} */
    const gone = [];
    /** @type {{id: string, reason: string}[]} */
    const refused = [];
    let acknowledged = 0;
    batch.forEach((p, i) => {
      const r = results[i];
      if (!r || r.retryable !== false) return; // kept: retryable, or an answer we cannot read
      gone.push(p.id);
      if (r.outcome === 'stored' || r.outcome === 'duplicate') acknowledged += 1;
      else refused.push({ id: p.id, reason: String(r.reason) });
    });
    return { gone, acknowledged, refused, retryAfter: 0, error: null };
  }

  /**
   * Flush now and whenever the device comes back online, retrying with back-off (30 s,
   * doubling to 30 min, at least Retry-After) while records wait.  While the device says it
   * is offline nothing is tried: its 'online' event starts the next try.
   * @param {{addEventListener: Function, removeEventListener: Function}} [target] window
   * @param {() => boolean} [online] whether the device thinks it is online
   * @returns {{stop: () => void, kick: () => Promise<void>}} kick: try now (a record was added)
   */
  keepSending(target = globalThis, online = () => globalThis.navigator?.onLine !== false) {
    let failures = 0;
    let stopped = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    let timer;
    const run = async () => {
      clearTimeout(timer);
      timer = undefined;
      if (stopped || !online()) return;
      const result = await this.flush();
      if (stopped) return;
      failures = result.error !== null ? failures + 1 : 0;
      if ((await this.pending()) > 0 && timer === undefined) {
        const backoff = failures ? Math.min(FIRST_DELAY * 2 ** (failures - 1), MAX_DELAY) : FIRST_DELAY;
        timer = setTimeout(run, 1000 * Math.max(backoff, result.retryAfter));
      }
    };
    const listener = () => { failures = 0; run(); };
    target.addEventListener('online', listener);
    run();
    return {
      stop: () => { stopped = true; clearTimeout(timer); target.removeEventListener('online', listener); },
      kick: run,
    };
  }
}
