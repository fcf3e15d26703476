// @ts-check
/**
 * Trust lists (spec §15.2) and the bare keyring (tests, quick checks).
 *
 * A root key pinned into the page signs the trust list; the list names the issuers, the
 * GB/T 2260 region prefixes each may issue for, and their keys with state and issuing
 * window.  Roles never mix (spec §15.5).
 * @module trust
 */
import * as cbor from './cbor.js';
import { toHex, equal } from './bytes.js';
import { DocumentError } from './errors.js';
import { publicKeyProblem } from './ed25519.js';
import { PROVINCES } from './gbcodes.js';
import {
  DocumentType,
  checkClock,
  checkNotOlder,
  checkSignature,
  checkWindow,
  kidOf,
  lifetime,
  malformed,
  moment,
  openDocument,
  sequenceNumber,
} from './document.js';

export const MAX_TRUST_LIST_BYTES = 1 << 20;
export const KEY_STATES = /** @type {const} */ (['active', 'retired', 'compromised']);
const ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PREFIX = /^[0-9]{2,6}$/;

/**
 * @typedef {object} IssuerKey
 * @property {Uint8Array} kid
 * @property {Uint8Array} publicKey raw 32 bytes
 * @property {'active' | 'retired' | 'compromised'} state
 * @property {number | null} validFrom seconds; null for a bare key (no window)
 * @property {number | null} validUntil seconds, or null
 *
 * @typedef {object} Issuer
 * @property {string} id
 * @property {string} name
 * @property {string[]} regions
 * @property {IssuerKey[]} keys
 *
 * @typedef {object} Found the result of a kid lookup
 * @property {IssuerKey} key
 * @property {Issuer | null} issuer null for a bare keyring
 *
 * @typedef {object} Trust
 * @property {'trust_list' | 'keyring'} kind
 * @property {number | null} sequence
 * @property {number | null} issuedAt
 * @property {number | null} expiresAt
 * @property {Issuer[]} issuers
 * @property {Set<string>} rootKids hex
 * @property {Map<string, Found>} index kid hex -> key and issuer
 */

/** @param {Uint8Array} kid @param {Trust} trust */
export function lookup(trust, kid) {
  return trust.index.get(toHex(kid)) ?? null;
}

/** Whether an issuer may issue for a 6-digit region (spec §15.2). @param {Issuer} issuer @param {string} region */
export function covers(issuer, region) {
  return issuer.regions.some((prefix) => region.startsWith(prefix));
}

/** Whether a code issued at `at` falls in the key's issuing window. @param {IssuerKey} key @param {number} at */
export function withinWindow(key, at) {
  return (key.validFrom === null || key.validFrom <= at) && (key.validUntil === null || at <= key.validUntil);
}

/**
 * A bare keyring: every key active, unscoped, without window; never checks status.
 * @param {Uint8Array[]} publicKeys
 * @returns {Promise<Trust>}
 */
export async function keyring(publicKeys) {
  /** @type {Map<string, Found>} */
  const index = new Map();
  for (const raw of publicKeys) {
    const problem = publicKeyProblem(raw);
    if (problem !== null) throw new TypeError(`the public key ${problem}`);
    const kid = await kidOf(raw);
    if (index.has(toHex(kid))) throw new TypeError(`two trusted keys share kid ${toHex(kid)}`);
    index.set(toHex(kid), { key: { kid, publicKey: raw, state: 'active', validFrom: null, validUntil: null }, issuer: null });
  }
  return { kind: 'keyring', sequence: null, issuedAt: null, expiresAt: null, issuers: [], rootKids: new Set(), index };
}

/**
 * Verify and decode a trust list (spec §15.2); throw DocumentError.
 * @param {Uint8Array} data
 * @param {Uint8Array[]} roots pinned root public keys, raw
 * @param {{now: number, minSequence?: number | null, leeway?: number}} options minSequence: the highest
 *   trust-list sequence the verifier state remembers (spec §15.7)
 * @returns {Promise<Trust>}
 */
export async function loadTrustList(data, roots, { now, minSequence = null, leeway = 300 }) {
  checkClock(now, leeway);
  /** @type {Map<string, Uint8Array>} */
  const pinned = new Map();
  for (const root of roots) pinned.set(toHex(await kidOf(root)), root);
  const opened = openDocument(data, { typ: DocumentType.TRUST_LIST, maxBytes: MAX_TRUST_LIST_BYTES, maxItems: 200000, maxDepth: 5 });
  const trust = await decode(opened.claims, new Set(pinned.keys()));
  const root = pinned.get(toHex(opened.kid));
  if (root === undefined) {
    const listed = lookup(trust, opened.kid) !== null;
    throw new DocumentError(listed ? 'role_mismatch' : 'unknown_key', `signed by kid ${toHex(opened.kid)}, which is not a pinned root key`);
  }
  await checkSignature(opened, root);
  for (const kid of trust.index.keys()) {
    if (pinned.has(kid)) throw new DocumentError('role_mismatch', `root key ${kid} is listed as an issuer key`);
  }
  checkWindow(/** @type {number} */ (trust.issuedAt), trust.expiresAt, now, leeway);
  checkNotOlder(/** @type {number} */ (trust.sequence), minSequence, 'trust list sequence');
  return trust;
}

/**
 * @param {Map<cbor.CborKey, unknown>} entry @param {Iterable<number>} labels @param {string} where
 */
function only(entry, labels, where) {
  const allowed = new Set(labels);
  for (const key of entry.keys()) if (!allowed.has(/** @type {number} */ (key))) throw malformed(`${where}: unknown label ${String(key)}`);
}

/** @param {unknown} value @param {string} where @returns {Map<cbor.CborKey, unknown>} */
function asMap(value, where) {
  if (!cbor.isMap(value)) throw malformed(`${where} must be a map`);
  return value;
}

/** @param {Map<cbor.CborKey, unknown>} claims @param {Set<string>} rootKids @returns {Promise<Trust>} */
async function decode(claims, rootKids) {
  only(claims, [4, 6, -1, -2], 'trust list');
  const [issuedAt, expiresAt] = lifetime(claims, 6, 4);
  const sequence = sequenceNumber(claims.get(-1), 'sequence (label -1)');
  const issuers = claims.get(-2);
  if (!Array.isArray(issuers)) throw malformed('issuers (label -2) must be a list');
  /** @type {Issuer[]} */
  const decoded = [];
  for (let n = 0; n < issuers.length; n++) decoded.push(await decodeIssuer(issuers[n], `issuers[${n}]`));
  if (new Set(decoded.map((i) => i.id)).size !== decoded.length) throw malformed('two issuers share an id');
  /** @type {Map<string, Found>} */
  const index = new Map();
  for (const issuer of decoded) {
    for (const key of issuer.keys) {
      const kid = toHex(key.kid);
      if (index.has(kid)) throw malformed('two issuer keys share a kid (spec §8.2: collisions are refused)');
      index.set(kid, { key, issuer });
    }
  }
  return { kind: 'trust_list', sequence, issuedAt, expiresAt, issuers: decoded, rootKids, index };
}

/** @param {unknown} value @param {string} where @returns {Promise<Issuer>} */
async function decodeIssuer(value, where) {
  const entry = asMap(value, where);
  only(entry, [1, 2, 3, 4], where);
  const regions = entry.get(3);
  if (!Array.isArray(regions)) throw malformed(`${where}.regions (label 3) must be a list`);
  const keys = entry.get(4);
  if (!Array.isArray(keys)) throw malformed(`${where}.keys (label 4) must be a list`);
  const id = entry.get(1);
  if (typeof id !== 'string') throw malformed(`${where}.id (label 1) must be a str`);
  const name = entry.get(2);
  if (typeof name !== 'string') throw malformed(`${where}.name (label 2) must be a str`);
  /** @type {IssuerKey[]} */
  const decodedKeys = [];
  for (let n = 0; n < keys.length; n++) decodedKeys.push(await decodeKey(keys[n], `${where}.keys[${n}]`));
  if (!ID.test(id)) throw malformed(`${where}: issuer id ${JSON.stringify(id)} must be 1..32 of a-z, 0-9 and '-'`);
  if (!name) throw malformed(`${where}: the display name must be non-empty text`);
  if (!regions.length || !regions.every((p) => typeof p === 'string' && PREFIX.test(p) && PROVINCES.has(Number(p.slice(0, 2))))) {
    throw malformed(`${where}: regions must be one or more GB/T 2260 prefixes of 2..6 digits starting with a province code`);
  }
  return { id, name, regions: /** @type {string[]} */ (regions), keys: decodedKeys };
}

/** @param {unknown} value @param {string} where @returns {Promise<IssuerKey>} */
async function decodeKey(value, where) {
  const entry = asMap(value, where);
  only(entry, [1, 2, 3, 4, 5], where);
  const raw = entry.get(2);
  if (!cbor.isBytes(raw)) throw malformed(`${where}.public_key (label 2) must be a bytes`);
  const state = entry.get(3);
  if (!cbor.isInt(state)) throw malformed(`${where}.state (label 3) must be a int`);
  if (!(state >= 0 && state < 3)) throw malformed(`${where}.state (label 3) must be 0, 1 or 2`);
  const validFrom = moment(entry, 4, `${where}.valid_from`);
  const validUntil = moment(entry, 5, `${where}.valid_until`, false);
  if (raw.length !== 32) throw malformed(`${where}: public_key must be the raw 32-byte Ed25519 public key`);
  const problem = publicKeyProblem(raw);
  if (problem !== null) throw malformed(`${where}: public_key ${problem}`);
  if (validUntil !== null && validUntil < /** @type {number} */ (validFrom)) throw malformed(`${where}: valid_until is before valid_from`);
  const kid = await kidOf(raw);
  const claimed = entry.get(1);
  if (!cbor.isBytes(claimed)) throw malformed(`${where}.kid (label 1) must be a bytes`);
  if (!equal(claimed, kid)) throw malformed(`${where}.kid (label 1) is not SHA-256 of the public key, truncated to 8 bytes`);
  return { kid, publicKey: raw, state: KEY_STATES[Number(state)], validFrom, validUntil };
}
