// @ts-check
/**
 * Status lists: revocation and suspension, offline (spec §15.3; Token Status List, CWT).
 *
 * A list holds 2 bits per credential, zlib-compressed (RFC 1950).  It is decompressed with
 * DecompressionStream('deflate'), which has no output cap of its own: this module counts
 * the bytes and stops beyond 2^24 entries; truncated or trailing compressed data is
 * refused (the stream errors on both).
 * @module status
 */
import * as cbor from './cbor.js';
import { concat, toHex, view } from './bytes.js';
import { DocumentError } from './errors.js';
import { DocumentType, checkClock, checkNotOlder, checkSignature, checkWindow, lifetime, malformed, openDocument } from './document.js';
import { lookup, withinWindow } from './trust.js';

export const MAX_TOKEN_BYTES = 8 << 20;
export const MIN_SIZE = 1 << 17;
export const MAX_SIZE = 1 << 24;
const URI = /^urn:anxinma:status:([a-z0-9][a-z0-9-]{0,31}):(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** Values (spec §15.3): 0 valid, 1 invalid (revoked), 2 suspended, 3 unused (status_unknown). */
export const STATUS_WORDS = /** @type {const} */ (['valid', 'revoked', 'suspended', 'unknown']);

/**
 * @typedef {object} StatusListToken
 * @property {string} uri the `sub` claim
 * @property {string} issuerId
 * @property {number} listId
 * @property {number} issuedAt
 * @property {number} expiresAt
 * @property {number | null} ttl
 * @property {number} size entries
 * @property {Uint8Array} bytes the decompressed array
 * @property {Uint8Array} kid the signer
 */

/** The status at `index` (spec §15.3: bits 2i mod 8 .. +1 of byte ⌊2i/8⌋, LSB first). @param {StatusListToken} token @param {number} index */
export function statusAt(token, index) {
  return (token.bytes[index >> 2] >> ((index & 3) << 1)) & 3;
}

/** Whether this page can read status lists at all (DecompressionStream, 2020 onwards). */
export function canDecompress() {
  return typeof DecompressionStream === 'function';
}

/**
 * zlib-decompress at most `limit` bytes; malformed when there is more, when the stream is
 * truncated or followed by anything, or when it is not zlib.
 * @param {Uint8Array} data @param {number} limit @returns {Promise<Uint8Array>}
 */
export async function inflate(data, limit) {
  if (!canDecompress()) throw malformed('status list: this browser cannot decompress (no DecompressionStream)');
  const stream = new Blob([view(data)]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw malformed('status list: compressed data too large, truncated or followed by junk');
      }
      chunks.push(value);
    }
  } catch (exc) {
    if (exc instanceof DocumentError) throw exc;
    throw malformed(`status list: compressed data too large, truncated or followed by junk (${String(exc)})`);
  }
  return concat(...chunks);
}

/**
 * Verify and decode a status list against a trust list (spec §15.3, DECISIONS "Status lists");
 * throw DocumentError.  An expired list loads: the verdict reports it stale (spec §10.6).
 * @param {Uint8Array} data
 * @param {import('./trust.js').Trust} trust
 * @param {{now: number, leeway?: number, statusIat?: Record<string, number>}} options statusIat: the
 *   newest `iat` per `sub` the verifier state remembers (rollback)
 * @returns {Promise<StatusListToken>}
 */
export async function loadStatusList(data, trust, { now, leeway = 300, statusIat = {} }) {
  checkClock(now, leeway);
  const opened = openDocument(data, { typ: DocumentType.STATUS_LIST, maxBytes: MAX_TOKEN_BYTES, maxItems: 32 });
  const token = await decode(opened.claims, opened.kid);
  const found = lookup(trust, opened.kid);
  if (found === null || found.issuer === null) {
    const reason = trust.rootKids.has(toHex(opened.kid)) ? 'role_mismatch' : 'unknown_key';
    throw new DocumentError(reason, `signed by kid ${toHex(opened.kid)}, not an issuer key of the trust list`);
  }
  if (found.issuer.id !== token.issuerId) {
    throw new DocumentError('wrong_issuer', `list of issuer ${JSON.stringify(token.issuerId)} signed by a key of issuer ${JSON.stringify(found.issuer.id)}`);
  }
  if (found.key.state === 'compromised') throw new DocumentError('key_compromised', `signed by compromised key ${toHex(opened.kid)}`);
  if (found.key.state === 'retired') throw new DocumentError('key_retired', `signed by retired key ${toHex(opened.kid)}`);
  if (!withinWindow(found.key, token.issuedAt)) {
    throw new DocumentError('issued_outside_key_window', `issued outside the issuing window of key ${toHex(opened.kid)}`);
  }
  await checkSignature(opened, found.key.publicKey);
  checkWindow(token.issuedAt, null, now, leeway);
  const held = Object.prototype.hasOwnProperty.call(statusIat, token.uri) ? statusIat[token.uri] : null;
  checkNotOlder(token.issuedAt, held, `${token.uri} iat`);
  return token;
}

/** @param {Map<cbor.CborKey, unknown>} claims @param {Uint8Array} kid @returns {Promise<StatusListToken>} */
async function decode(claims, kid) {
  for (const key of claims.keys()) {
    if (![2, 4, 6, 65533, 65534].includes(/** @type {number} */ (key))) throw malformed(`status list: unknown claim ${String(key)}`);
  }
  const sub = claims.get(2);
  const match = typeof sub === 'string' ? URI.exec(sub) : null;
  if (match === null) throw malformed(`sub (label 2) must be urn:anxinma:status:<issuer>:<list>, not ${JSON.stringify(String(sub))}`);
  const [issuedAt, expiresAt] = lifetime(claims, 6, 4);
  const ttl = claims.get(65534);
  if (ttl !== undefined && ttl !== null && !(cbor.isInt(ttl) && ttl > 0)) throw malformed('ttl (label 65534) must be a positive integer');
  const list = claims.get(65533);
  if (!cbor.isMap(list) || list.size !== 2 || !list.has('bits') || !list.has('lst')) {
    throw malformed('status_list (label 65533) must be a map with exactly bits and lst');
  }
  if (list.get('bits') !== 2) throw malformed('status_list bits must be 2');
  const lst = list.get('lst');
  if (!cbor.isBytes(lst)) throw malformed('status_list lst must be a byte string');
  const bytes = await inflate(lst, (MAX_SIZE * 2) / 8);
  const size = bytes.length * 4;
  if (size < MIN_SIZE || size > MAX_SIZE) throw malformed(`a status list has ${MIN_SIZE}..${MAX_SIZE} entries, a multiple of 4`);
  return {
    uri: /** @type {string} */ (sub),
    issuerId: match[1],
    listId: Number(match[2]),
    issuedAt,
    expiresAt,
    ttl: ttl === undefined || ttl === null ? null : Number(ttl),
    size,
    bytes,
    kid,
  };
}
