// @ts-check
/**
 * The verifier state (anti-rollback, spec §15.7): the highest trust-list and directory
 * sequence and the newest status-list `iat` per `sub` this verifier has accepted.  Pure:
 * `remember*()` return a new state that never goes back.  The page keeps it in IndexedDB
 * next to the documents, in the same transaction, in the JSON form of §15.7.
 * @module state
 */
import { MAX_SEQUENCE } from './document.js';

/**
 * The JSON form of spec §15.7.
 * @typedef {object} VerifierState
 * @property {1} format
 * @property {number | null} trust_list_sequence
 * @property {number | null} directory_sequence
 * @property {Record<string, number>} status_lists newest `iat` per status list `sub`
 */

/** @type {Readonly<VerifierState>} */
export const EMPTY_STATE = Object.freeze({ format: 1, trust_list_sequence: null, directory_sequence: null, status_lists: Object.freeze({}) });

/** @param {number | null} held @param {number} seen */
const higher = (held, seen) => (held === null || seen > held ? seen : held);

/** @param {Record<string, number>} lists */
function sorted(lists) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const sub of Object.keys(lists).sort()) out[sub] = lists[sub];
  return out;
}

/** @param {VerifierState} state @param {import('./trust.js').Trust} trust @returns {VerifierState} */
export function rememberTrust(state, trust) {
  return { ...state, trust_list_sequence: higher(state.trust_list_sequence, /** @type {number} */ (trust.sequence)) };
}

/** @param {VerifierState} state @param {import('./directory.js').Directory} directory @returns {VerifierState} */
export function rememberDirectory(state, directory) {
  return { ...state, directory_sequence: higher(state.directory_sequence, directory.sequence) };
}

/** @param {VerifierState} state @param {import('./status.js').StatusListToken} token @returns {VerifierState} */
export function rememberStatus(state, token) {
  const held = Object.prototype.hasOwnProperty.call(state.status_lists, token.uri) ? state.status_lists[token.uri] : null;
  return { ...state, status_lists: sorted({ ...state.status_lists, [token.uri]: higher(held, token.issuedAt) }) };
}

/** @param {unknown} n @param {number} high */
const whole = (n, high) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= high;

/**
 * Read the JSON form (spec §15.7); null when it is not exactly that form.
 * @param {unknown} value @returns {VerifierState | null}
 */
export function parseState(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = /** @type {Record<string, unknown>} */ (value);
  const keys = Object.keys(v).sort().join();
  if (keys !== 'directory_sequence,format,status_lists,trust_list_sequence' || v.format !== 1) return null;
  for (const name of ['trust_list_sequence', 'directory_sequence']) {
    if (v[name] !== null && !whole(v[name], MAX_SEQUENCE)) return null;
  }
  const lists = v.status_lists;
  if (lists === null || typeof lists !== 'object' || Array.isArray(lists)) return null;
  for (const iat of Object.values(/** @type {object} */ (lists))) if (!whole(iat, 2 ** 32 - 1)) return null;
  return {
    format: 1,
    trust_list_sequence: /** @type {number | null} */ (v.trust_list_sequence),
    directory_sequence: /** @type {number | null} */ (v.directory_sequence),
    status_lists: sorted(/** @type {Record<string, number>} */ (lists)),
  };
}

/** The JSON text of spec §15.7 (fixed member order, no spaces, a final newline). @param {VerifierState} state */
export function stateJson(state) {
  const body = {
    format: 1,
    trust_list_sequence: state.trust_list_sequence,
    directory_sequence: state.directory_sequence,
    status_lists: sorted(state.status_lists),
  };
  return `${JSON.stringify(body)}\n`;
}
