// @ts-check
/**
 * COSE_Sign1 with EdDSA as anxinma profiles it (spec §8, RFC 9052 §4.2).
 *
 * Untagged; protected header exactly {1: -8, 4: kid} for a credential, plus 16: typ for a
 * signed document (spec §15.1); unprotected header empty; payload present; 64-byte
 * signature.  This module checks structure only; signatures are checked by ed25519.js
 * over `sigStructure()`.
 * @module cose
 */
import * as cbor from './cbor.js';
import { concat } from './bytes.js';
import { CborError, ReasonError } from './errors.js';

export const ALG_EDDSA = -8;
export const HEADER_ALG = 1;
export const HEADER_KID = 4;
export const HEADER_TYP = 16;
export const KID_LENGTH = 8;
export const SIGNATURE_LENGTH = 64;

/**
 * @typedef {object} Sign1
 * @property {Uint8Array} protected the protected header bytes, as signed
 * @property {Uint8Array} kid
 * @property {Uint8Array} payload
 * @property {Uint8Array} signature
 */

/** @param {string} reason @param {string} message */
const fail = (reason, message) => new ReasonError(reason, message);

/**
 * Parse `message` under the anxinma profile (spec §8.1, §10.4 steps 4-6).
 * @param {Uint8Array} message
 * @param {string | null} [typ] the document type expected, null for a credential
 * @returns {Sign1}
 * @throws {ReasonError} reason `malformed`, `unsupported_algorithm` or `wrong_type`
 */
export function parseSign1(message, typ = null) {
  let top;
  try {
    top = cbor.decode(message, { maxDepth: 2, maxItems: 16 });
  } catch (exc) {
    if (exc instanceof CborError) throw fail('malformed', `COSE_Sign1: ${exc.message}`);
    throw exc;
  }
  if (!Array.isArray(top) || top.length !== 4) throw fail('malformed', 'COSE_Sign1 must be an array of 4 items');
  const [protectedBytes, unprotected, payload, signature] = top;
  const kid = checkProtected(protectedBytes, typ);
  if (!cbor.isMap(unprotected)) throw fail('malformed', 'unprotected header must be a map');
  if (unprotected.size) {
    throw fail('malformed', `unprotected header must be empty; found label ${String(unprotected.keys().next().value)}`);
  }
  if (!cbor.isBytes(payload)) throw fail('malformed', 'payload must be a byte string (detached payloads are not allowed)');
  if (!cbor.isBytes(signature) || signature.length !== SIGNATURE_LENGTH) {
    throw fail('malformed', `signature must be a ${SIGNATURE_LENGTH}-byte string`);
  }
  return { protected: /** @type {Uint8Array} */ (protectedBytes), kid, payload, signature };
}

/**
 * Spec §10.4 step 5: a byte string holding a strict map; alg present, -8; typ as expected;
 * no labels but 1, 4 (and 16 for a document); an 8-byte kid.
 * @param {unknown} protectedBytes @param {string | null} typ @returns {Uint8Array}
 */
function checkProtected(protectedBytes, typ) {
  if (!cbor.isBytes(protectedBytes)) throw fail('malformed', 'protected header must be a byte string');
  let header;
  try {
    header = cbor.decode(protectedBytes, { maxDepth: 1, maxItems: 8 });
  } catch (exc) {
    if (exc instanceof CborError) throw fail('malformed', `protected header: ${exc.message}`);
    throw exc;
  }
  if (!cbor.isMap(header)) throw fail('malformed', 'protected header must be a map');
  const alg = header.get(HEADER_ALG);
  if (alg === undefined || alg === null) throw fail('malformed', 'protected header has no alg (label 1)');
  if (alg !== ALG_EDDSA) {
    throw fail('unsupported_algorithm', `alg (label 1) is ${describe(alg)}; only EdDSA (-8) is allowed`);
  }
  checkType(header, typ);
  for (const label of header.keys()) {
    if (label !== HEADER_ALG && label !== HEADER_KID && label !== HEADER_TYP) {
      throw fail('malformed', `protected header label ${describe(label)} is not allowed`);
    }
  }
  const kid = header.get(HEADER_KID);
  if (!cbor.isBytes(kid) || kid.length !== KID_LENGTH) {
    throw fail('malformed', `protected header needs a ${KID_LENGTH}-byte kid (label 4)`);
  }
  return kid;
}

/**
 * A credential carries no typ at all (label 16 present, even null, is malformed:
 * DECISIONS item 9); a document carries exactly the type expected, else wrong_type.
 * @param {Map<cbor.CborKey, unknown>} header @param {string | null} typ
 */
function checkType(header, typ) {
  const present = header.has(HEADER_TYP);
  const found = header.get(HEADER_TYP);
  if (typ === null) {
    if (present) throw fail('malformed', `a signed ${describe(found)} document (label 16), not a credential`);
    return;
  }
  if (found === typ) return;
  throw fail('wrong_type', `expected a ${JSON.stringify(typ)} document (label 16), found ${present ? describe(found) : 'a credential'}`);
}

/** @param {unknown} value */
function describe(value) {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `${value.length}-byte string`;
  return String(value);
}

/** A byte string with its shortest head (RFC 8949 §4.2.1). @param {Uint8Array} data */
function bstr(data) {
  const n = data.length;
  let head;
  if (n < 24) head = Uint8Array.of(0x40 | n);
  else if (n < 0x100) head = Uint8Array.of(0x58, n);
  else if (n < 0x10000) head = Uint8Array.of(0x59, n >> 8, n & 0xff);
  else head = Uint8Array.of(0x5a, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  return concat(head, data);
}

/** array(4), text(10) "Signature1" */
const TBS_PREFIX = Uint8Array.of(0x84, 0x6a, ...new TextEncoder().encode('Signature1'));

/**
 * The ToBeSigned bytes ["Signature1", protected, h'', payload] (RFC 9052 §4.4).
 * @param {Uint8Array} protectedBytes @param {Uint8Array} payload @returns {Uint8Array}
 */
export function sigStructure(protectedBytes, payload) {
  return concat(TBS_PREFIX, bstr(protectedBytes), Uint8Array.of(0x40), bstr(payload));
}
