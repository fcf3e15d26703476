// @ts-check
/**
 * Signed documents: the envelope shared by trust lists, status lists and the enterprise
 * directory (spec §15.1).  The protected header carries `16: typ`, so no kind of document
 * can be taken for another or for a credential.  Failures are DocumentErrors with a
 * stable reason (spec §15.6).
 * @module document
 */
import * as cbor from './cbor.js';
import { parseSign1, sigStructure } from './cose.js';
import { CborError, DocumentError, ReasonError, UsageError } from './errors.js';
import { sha256 } from './bytes.js';
import { verify as verifyEd25519 } from './ed25519.js';

export const DocumentType = Object.freeze({
  TRUST_LIST: 'application/anxinma-trust+cwt',
  STATUS_LIST: 'application/statuslist+cwt',
  DIRECTORY: 'application/anxinma-directory+cwt',
});

/** Seconds `iat` may lie ahead of the verifier's clock (spec §15.1). */
export const DEFAULT_LEEWAY = 300;

/**
 * @typedef {object} Opened
 * @property {import('./cose.js').Sign1} message
 * @property {Map<cbor.CborKey, unknown>} claims
 * @property {Uint8Array} kid
 */

/** @param {string} message */
export const malformed = (message) => new DocumentError('malformed', message);

/**
 * Parse a `typ` document within its caps; the signature is not checked yet (spec §15.1).
 * @param {Uint8Array} data
 * @param {{typ: string, maxBytes: number, maxItems: number, maxDepth?: number}} caps
 * @returns {Opened}
 */
export function openDocument(data, { typ, maxBytes, maxItems, maxDepth = 4 }) {
  if (!(data instanceof Uint8Array)) throw malformed('a document is bytes');
  if (data.length > maxBytes) throw new DocumentError('too_large', `${data.length} bytes; the limit is ${maxBytes}`);
  let message;
  let claims;
  try {
    message = parseSign1(data, typ);
    claims = cbor.decode(message.payload, { maxDepth, maxItems });
  } catch (exc) {
    if (exc instanceof ReasonError) throw new DocumentError(exc.reason, exc.message);
    if (exc instanceof CborError) throw malformed(`claims: ${exc.message}`);
    throw exc;
  }
  if (!cbor.isMap(claims)) throw malformed('the claims set must be a map');
  return { message, claims, kid: message.kid };
}

/**
 * Throw `signature_invalid` unless `publicKey` signed the document.
 * @param {Opened} opened @param {Uint8Array} publicKey
 */
export async function checkSignature(opened, publicKey) {
  const m = opened.message;
  if (!(await verifyEd25519(publicKey, m.signature, sigStructure(m.protected, m.payload)))) {
    throw new DocumentError('signature_invalid', 'the signature does not verify');
  }
}

/**
 * A NumericDate claim (RFC 8392 §2) as seconds: an unsigned integer below 2^32.
 * @param {Map<cbor.CborKey, unknown>} claims @param {number} label @param {string} name
 * @param {boolean} [required]
 * @returns {number | null}
 */
export function moment(claims, label, name, required = true) {
  const value = claims.get(label);
  if ((value === undefined || value === null) && !required) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** 32) {
    throw malformed(`${name} (label ${label}) must be a NumericDate`);
  }
  return value;
}

/**
 * `iat` and `exp` of a document; `exp` must be later than `iat` (spec §15.1).
 * @param {Map<cbor.CborKey, unknown>} claims @param {number} iat @param {number} exp
 * @returns {[number, number]}
 */
export function lifetime(claims, iat, exp) {
  const issued = /** @type {number} */ (moment(claims, iat, 'iat'));
  const expires = /** @type {number} */ (moment(claims, exp, 'exp'));
  if (expires <= issued) throw malformed(`exp (label ${exp}) must be later than iat (label ${iat})`);
  return [issued, expires];
}

/** The largest trust-list or directory sequence (spec §15.2): 2^53 - 1, exact in JavaScript. */
export const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

/**
 * A trust-list or directory sequence: an integer 0..2^53 - 1 (spec §15.2, §15.4).
 * @param {unknown} value @param {string} where @returns {number}
 */
export function sequenceNumber(value, where) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEQUENCE) {
    throw malformed(`${where} must be an integer in 0..2^53 - 1`);
  }
  return value;
}

/**
 * Refuse a document older than the verifier state remembers (spec §15.7); equal loads.
 * @param {number} found @param {number | null | undefined} held @param {string} what
 */
export function checkNotOlder(found, held, what) {
  if (held !== null && held !== undefined && found < held) {
    throw new DocumentError('rollback', `${what} ${found} is older than the ${held} already held`);
  }
}

/** The largest clock leeway (spec §10.3): one day. */
export const MAX_LEEWAY = 86400;

/**
 * A loader's clock and leeway (spec §5.3, §10.3); UsageError outside their ranges.
 * @param {number} now @param {number} leeway
 */
export function checkClock(now, leeway) {
  if (typeof leeway !== 'number' || !Number.isInteger(leeway) || leeway < 0 || leeway > MAX_LEEWAY) {
    throw new UsageError(`leeway must be an integer number of seconds in 0..${MAX_LEEWAY}`);
  }
  if (typeof now !== 'number' || !(Math.floor(now) >= 0 && Math.floor(now) <= 2 ** 32 - 1)) {
    throw new UsageError('now must be between 1970-01-01T00:00:00Z and 2106-02-07T06:28:15Z (spec §5.3)');
  }
}

/**
 * Refuse a document issued in the future (beyond the leeway) or expired (spec §15.1).
 * @param {number} issued @param {number | null} expires @param {number} now @param {number} leeway
 */
export function checkWindow(issued, expires, now, leeway) {
  if (issued > now + leeway) throw new DocumentError('not_yet_valid', `issued at ${isoTime(issued)}, in the future`);
  if (expires !== null && now >= expires) throw new DocumentError('expired', `expired at ${isoTime(expires)}`);
}

/** The key id: the first 8 bytes of SHA-256 of the raw public key (spec §8.2). @param {Uint8Array} raw */
export async function kidOf(raw) {
  return (await sha256(raw)).slice(0, 8);
}

/** An epoch second as ISO 8601 UTC with +00:00, as the reference implementation writes it. @param {number} seconds */
export function isoTime(seconds) {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** Whether `value` is an integer that is not a boolean. @param {unknown} value @returns {value is number | bigint} */
export const isInt = cbor.isInt;
