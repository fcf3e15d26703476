// @ts-check
/**
 * Where the page keeps verified documents and the verifier state: IndexedDB, one database
 * per origin.  Documents and state are written in one transaction, so the state never
 * remembers a document that is not stored.  Where IndexedDB is missing or refused
 * (private windows, some in-app browsers) a memory store stands in and the page says
 * that nothing persists.
 * @module store
 */
import { EMPTY_STATE, parseState } from './state.js';

const DB = 'anxinma-verifier';
const VERSION = 1;

/**
 * @typedef {object} StoredDocument
 * @property {string} id 'trust', 'directory' or 'status:<sub>'
 * @property {'trust_list' | 'status_list' | 'directory'} kind
 * @property {string} file the name it was fetched as
 * @property {Uint8Array} bytes
 *
 * @typedef {object} Store
 * @property {boolean} persistent
 * @property {() => Promise<{documents: StoredDocument[], state: import('./state.js').VerifierState}>} load
 * @property {(documents: StoredDocument[], state: import('./state.js').VerifierState) => Promise<void>} save
 *   replace every stored document and the state
 */

/** @param {IDBRequest} request @returns {Promise<unknown>} */
function requestDone(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** @param {IDBTransaction} tx @returns {Promise<void>} */
function transactionDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error);
  });
}

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('documents', { keyPath: 'id' });
      request.result.createObjectStore('state');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('IndexedDB blocked'));
  });
}

/** @returns {Store} */
function memoryStore() {
  /** @type {StoredDocument[]} */
  let documents = [];
  let state = EMPTY_STATE;
  return {
    persistent: false,
    load: async () => ({ documents, state }),
    save: async (docs, s) => {
      documents = docs;
      state = s;
    },
  };
}

/** The IndexedDB store, or a memory store where IndexedDB does not work. @returns {Promise<Store>} */
export async function openStore() {
  let db;
  try {
    if (typeof indexedDB === 'undefined') return memoryStore();
    db = await open();
  } catch {
    return memoryStore();
  }
  const idb = db;
  return {
    persistent: true,
    async load() {
      const tx = idb.transaction(['documents', 'state'], 'readonly');
      const documents = /** @type {StoredDocument[]} */ (await requestDone(tx.objectStore('documents').getAll()));
      const state = parseState(await requestDone(tx.objectStore('state').get('state'))) ?? EMPTY_STATE;
      return { documents, state };
    },
    async save(documents, state) {
      const tx = idb.transaction(['documents', 'state'], 'readwrite');
      const store = tx.objectStore('documents');
      store.clear();
      for (const doc of documents) store.put(doc);
      tx.objectStore('state').put(state, 'state');
      await transactionDone(tx);
    },
  };
}
