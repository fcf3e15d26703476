// @ts-check
/**
 * The verifier state (anti-rollback, DECISIONS "Verifier state"): the highest trust-list
 * and directory sequence and the newest status-list `iat` per `sub` this verifier has
 * accepted.  Pure: `remember*()` returns a new state.  The page keeps it in IndexedDB
 * next to the documents, in the same transaction.
 * @module state
 */

/**
 * @typedef {object} VerifierState
 * @property {number | null} trust_sequence
 * @property {number | null} directory_sequence
 * @property {Record<string, number>} status_iat newest `iat` per status list `sub`
 */

/** @type {Readonly<VerifierState>} */
export const EMPTY_STATE = Object.freeze({ trust_sequence: null, directory_sequence: null, status_iat: Object.freeze({}) });

/** @param {number | null} held @param {number} seen */
const higher = (held, seen) => (held === null || seen > held ? seen : held);

/** @param {VerifierState} state @param {import('./trust.js').Trust} trust @returns {VerifierState} */
export function rememberTrust(state, trust) {
  return { ...state, trust_sequence: higher(state.trust_sequence, /** @type {number} */ (trust.sequence)) };
}

/** @param {VerifierState} state @param {import('./directory.js').Directory} directory @returns {VerifierState} */
export function rememberDirectory(state, directory) {
  return { ...state, directory_sequence: higher(state.directory_sequence, directory.sequence) };
}

/** @param {VerifierState} state @param {import('./status.js').StatusListToken} token @returns {VerifierState} */
export function rememberStatus(state, token) {
  const held = state.status_iat[token.uri] ?? null;
  return { ...state, status_iat: { ...state.status_iat, [token.uri]: higher(held, token.issuedAt) } };
}

/**
 * A state read back from storage; anything unreadable is the empty state.
 * @param {unknown} value @returns {VerifierState}
 */
export function stateFrom(value) {
  if (value === null || typeof value !== 'object') return EMPTY_STATE;
  const v = /** @type {Record<string, unknown>} */ (value);
  /** @param {unknown} n */
  const int = (n) => (typeof n === 'number' && Number.isInteger(n) ? n : null);
  /** @type {Record<string, number>} */
  const statusIat = {};
  if (v.status_iat !== null && typeof v.status_iat === 'object') {
    for (const [uri, iat] of Object.entries(v.status_iat)) if (int(iat) !== null) statusIat[uri] = /** @type {number} */ (iat);
  }
  return { trust_sequence: int(v.trust_sequence), directory_sequence: int(v.directory_sequence), status_iat: statusIat };
}
