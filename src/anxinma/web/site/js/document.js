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
import { CborError, DocumentError, ReasonError } from './errors.js';
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
 * @property {Map<cbor.CborKey, cbor.CborValue>} claims
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
 * @param {Map<cbor.CborKey, cbor.CborValue>} claims @param {number} label @param {string} name
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
