// @ts-check
/**
 * What this device keeps for visit records (spec/visit-v1.md §3.6, §6.6), in one IndexedDB
 * database apart from the verifier's documents (store.js):
 *
 * - its own Ed25519 key pair, made here by WebCrypto with the private key NOT extractable
 *   and stored as the CryptoKey object itself (IndexedDB keeps keys by structured clone:
 *   the private bytes are never visible to any script, this page's included);
 * - the outbox: signed records not yet acknowledged by the endpoint (outbox.js);
 * - a few small facts: the visit in progress, the evaluations and complaints given per
 *   credential and day (one of each, spec §7.3-7.4), the last successful send.
 *
 * A browser whose WebCrypto has no Ed25519 gets no key: the page then does not offer visit
 * records at all (it says why) rather than make a key whose private half a script could
 * read (the pure-JS Ed25519 of the verifier verifies only).  docs/web.md "Visit records".
 * @module device
 */

const DB = 'anxinma-visits';
const VERSION = 1;
const KEY = 'device-key';

/** WebCrypto cannot make an Ed25519 key here (older browsers): no visit records. */
export class NoSigningKey extends Error {}

/**
 * @typedef {Object} Device
 * @property {import('./outbox.js').Store} outbox
 * @property {(key: string) => Promise<any>} get
 * @property {(key: string, value: unknown) => Promise<void>} put
 * @property {(key: string) => Promise<void>} remove
 */

/** @template T @param {IDBRequest<T>} req @returns {Promise<T>} */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** @param {IDBTransaction} tx @returns {Promise<void>} */
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * This device's storage, or null where IndexedDB is missing or refuses (some private
 * windows): visit records then cannot be kept and are not offered.
 * @param {IDBFactory | undefined} [idb]
 * @returns {Promise<Device | null>}
 */
export async function openDevice(idb = globalThis.indexedDB) {
  if (idb === undefined) return null;
  let db;
  try {
    const open = idb.open(DB, VERSION);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('outbox', { keyPath: 'id' });
      open.result.createObjectStore('meta');
    };
    db = await request(open);
  } catch {
    return null;
  }
  /** @param {'outbox' | 'meta'} name @param {IDBTransactionMode} mode */
  const store = (name, mode) => db.transaction(name, mode).objectStore(name);
  return {
    outbox: {
      async put(item) {
        const s = store('outbox', 'readwrite');
        s.put(item);
        await done(s.transaction);
      },
      async remove(ids) {
        const s = store('outbox', 'readwrite');
        for (const id of ids) s.delete(id);
        await done(s.transaction);
      },
      async all() {
        const items = /** @type {import('./outbox.js').Pending[]} */ (await request(store('outbox', 'readonly').getAll()));
        return items.sort((a, b) => a.addedAt - b.addedAt);
      },
    },
    get: (key) => request(store('meta', 'readonly').get(key)),
    async put(key, value) {
      const s = store('meta', 'readwrite');
      s.put(value, key);
      await done(s.transaction);
    },
    async remove(key) {
      const s = store('meta', 'readwrite');
      s.delete(key);
      await done(s.transaction);
    },
  };
}

/**
 * This device's key pair: made once (Ed25519, the private key non-extractable) and kept;
 * the same pair on every later call, in every tab.  Clearing the site's data makes a new
 * one (a new pseudonym).  Throws NoSigningKey where WebCrypto has no Ed25519.
 * @param {Device} device
 * @returns {Promise<CryptoKeyPair>}
 */
export async function deviceKeys(device) {
  const found = await device.get(KEY);
  if (found) return /** @type {CryptoKeyPair} */ (found);
  let keys;
  try {
    keys = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']));
  } catch (exc) {
    throw new NoSigningKey(`WebCrypto cannot make an Ed25519 key: ${exc}`);
  }
  if (keys.privateKey.extractable) throw new NoSigningKey('the private key came out extractable');
  const again = await device.get(KEY); // another tab may have made one meanwhile: one key per device
  if (again) return /** @type {CryptoKeyPair} */ (again);
  await device.put(KEY, keys);
  return keys;
}
