// @ts-check
/**
 * Visit records, made and signed in the page (spec/visit-v1.md §3).
 *
 * After a verdict the household may confirm the worker's entry (确认入户), then rate the
 * service (1-5 stars and tags) or complain (fixed categories).  Each step makes a visit
 * record: an untagged COSE_Sign1 (EdDSA/Ed25519) over a deterministic CBOR claims set,
 * signed by a key this device made for itself: WebCrypto Ed25519, the private key
 * non-extractable, kept in IndexedDB (a CryptoKey is stored as it is, never as bytes:
 * device.js).  The same content gives the same bytes as the Python reference
 * (anxinma.visit.sign_visit): Ed25519 and the encoding are deterministic;
 * tests/test_web_visit.py and tests/browser/test_web_visits.py check it.
 * @module visit
 */

import { toHex, view } from './bytes.js';

/** @typedef {'green'|'yellow'|'red'} Color */
/**
 * @typedef {Object} VisitContent
 * @property {Uint8Array} recordId      16 random bytes (a record sent again keeps its id)
 * @property {Uint8Array} credentialId  8 bytes: SHA-256 of the code's COSE_Sign1 message, first 8 bytes
 * @property {string|null} issuer       trust-list issuer id, or null
 * @property {Color} color              the verdict at scan time
 * @property {string[]} reasons         its reason codes, in order (empty when green)
 * @property {number} scannedAt         seconds since the epoch
 * @property {number|null} enteredAt    确认入户, seconds, or null
 * @property {number} madeAt            when the record is made, seconds
 * @property {number|null} stars        1..5, or null
 * @property {string[]} tags            names from TAGS (only with stars)
 * @property {string[]} complaint       names from COMPLAINTS
 */

export const VISIT_TYPE = 'application/anxinma-visit+cwt';
export const MAX_RECORD_BYTES = 1024;
/** Tags (bit i = TAGS[i]) and their Chinese labels: spec/visit-v1.md §3.3. */
export const TAGS = ['punctual', 'professional', 'polite', 'tidy', 'careful', 'communicative'];
export const TAGS_ZH = ['准时', '专业', '礼貌', '整洁', '细心', '沟通好'];
/** Complaint categories (bit i = COMPLAINTS[i]): spec/visit-v1.md §3.4. */
export const COMPLAINTS = ['service_quality', 'lateness', 'attitude', 'property', 'safety', 'identity', 'fees',
  'other'];
export const COMPLAINTS_ZH = ['服务质量', '迟到爽约', '态度恶劣', '财物损失', '人身安全', '人证不符', '乱收费', '其他'];
/** Claim labels (anxinma.registry.VisitClaim). */
export const CLAIM = Object.freeze({
  madeAt: 6, recordId: -1, deviceKey: -2, credential: -3, issuer: -4, verdict: -5, reasons: -6,
  scannedAt: -7, enteredAt: -8, stars: -9, tags: -10, complaint: -11,
});
const COLORS = ['green', 'yellow', 'red'];
const REASON = /^[a-z][a-z0-9_]{0,39}$/;
const ISSUER = /^[a-z0-9][a-z0-9-]{0,31}$/;
const U32 = 2 ** 32;

// -- deterministic CBOR for the few shapes a record uses (RFC 8949 §4.2.1) -----------------

/** @param {number} major @param {number} n @returns {number[]} */
function head(major, n) {
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
  if (n < U32) return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  throw new RangeError('integer too large for a record');
}

/** @param {number} n @returns {number[]} */
function int(n) {
  if (!Number.isInteger(n)) throw new TypeError(`not an integer: ${n}`);
  return n >= 0 ? head(0, n) : head(1, -1 - n);
}

/** @param {Uint8Array} bytes @returns {number[]} */
function bstr(bytes) {
  return [...head(2, bytes.length), ...bytes];
}

/** @param {string} text @returns {number[]} */
function tstr(text) {
  const bytes = new TextEncoder().encode(text);
  return [...head(3, bytes.length), ...bytes];
}

/** @param {number|string|Uint8Array} value @returns {number[]} */
function item(value) {
  if (typeof value === 'number') return int(value);
  if (typeof value === 'string') return tstr(value);
  return bstr(value);
}

/**
 * A map with integer keys, in the bytewise order of the keys' encodings.
 * @param {Map<number, number|string|Uint8Array>} map
 * @returns {Uint8Array}
 */
export function encodeMap(map) {
  const entries = [...map].map(([k, v]) => /** @type {[number[], number[]]} */ ([int(k), item(v)]));
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  const out = [...head(5, entries.length)];
  for (const [k, v] of entries) out.push(...k, ...v);
  return Uint8Array.from(out);
}

/** @param {number[]} a @param {number[]} b */
function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// -- the record ---------------------------------------------------------------------------

/**
 * Why ``v`` breaks spec/visit-v1.md §3.2/§3.5, or null.  The same rules as the Python
 * reference (anxinma.visit), in the same order of claims.
 * @param {VisitContent} v
 * @returns {string|null}
 */
export function visitProblem(v) {
  if (!(v.recordId instanceof Uint8Array) || v.recordId.length !== 16) return 'record_id: 16 bytes';
  if (!(v.credentialId instanceof Uint8Array) || v.credentialId.length !== 8) return 'credential: 8 bytes';
  if (v.issuer !== null && !(typeof v.issuer === 'string' && ISSUER.test(v.issuer))) return 'issuer: a-z 0-9 -';
  if (!COLORS.includes(v.color)) return 'verdict: green, yellow or red';
  const reasons = v.reasons;
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string' && REASON.test(r))) {
    return 'reasons: reason codes';
  }
  if ((v.color === 'green') !== (reasons.length === 0)) return 'reasons: only, and always, when not green';
  if (reasons.length > 24 || reasons.join(',').length > 480) return 'reasons: at most 24, 480 characters';
  if (new Set(reasons).size !== reasons.length) return 'reasons: a reason twice';
  for (const [name, t] of /** @type {[string, number | null][]} */ ([['scanned_at', v.scannedAt], ['made_at', v.madeAt], ['entered_at', v.enteredAt]])) {
    if (t !== null && !(Number.isInteger(t) && t >= 0 && t < U32)) return `${name}: whole seconds`;
  }
  if (v.madeAt < v.scannedAt) return 'made_at: after the scan';
  if (v.enteredAt !== null && !(v.scannedAt <= v.enteredAt && v.enteredAt <= v.madeAt)) {
    return 'entered_at: after the scan, before the record';
  }
  if (v.stars !== null && !(Number.isInteger(v.stars) && v.stars >= 1 && v.stars <= 5)) return 'stars: 1..5';
  if (v.stars !== null && v.enteredAt === null) return 'stars: an evaluation needs a confirmed entry';
  if (!v.tags.every((t) => TAGS.includes(t)) || (v.tags.length && v.stars === null)) return 'tags: with stars';
  if (!v.complaint.every((c) => COMPLAINTS.includes(c))) return 'complaint: a category of the list';
  if (v.complaint.length && v.stars !== null) return 'complaint: an evaluation or a complaint, not both';
  if (v.enteredAt === null && v.stars === null && !v.complaint.length) {
    return 'entered_at: an entry, an evaluation or a complaint';
  }
  return null;
}

/** @param {string[]} names @param {string[]} vocabulary */
function mask(names, vocabulary) {
  return names.reduce((m, n) => m | (1 << vocabulary.indexOf(n)), 0);
}

/**
 * The claims set of ``v`` for the device key ``rawKey`` (32 bytes).
 * @param {VisitContent} v @param {Uint8Array} rawKey
 */
export function claimsOf(v, rawKey) {
  const problem = visitProblem(v);
  if (problem) throw new TypeError(`visit record: ${problem}`);
  /** @type {Map<number, number|string|Uint8Array>} */
  const claims = new Map(/** @type {[number, number|string|Uint8Array][]} */ ([
    [CLAIM.madeAt, v.madeAt], [CLAIM.recordId, v.recordId], [CLAIM.deviceKey, rawKey],
    [CLAIM.credential, v.credentialId], [CLAIM.verdict, COLORS.indexOf(v.color)], [CLAIM.scannedAt, v.scannedAt],
  ]));
  if (v.issuer !== null) claims.set(CLAIM.issuer, v.issuer);
  if (v.reasons.length) claims.set(CLAIM.reasons, v.reasons.join(','));
  if (v.enteredAt !== null) claims.set(CLAIM.enteredAt, v.enteredAt);
  if (v.stars !== null) {
    claims.set(CLAIM.stars, v.stars);
    if (v.tags.length) claims.set(CLAIM.tags, mask(v.tags, TAGS));
  }
  if (v.complaint.length) claims.set(CLAIM.complaint, mask(v.complaint, COMPLAINTS));
  return encodeMap(claims);
}

/** SHA-256 of ``bytes``, first ``n`` bytes. @param {Uint8Array} bytes @param {number} n @returns {Promise<Uint8Array>} */
async function sha256(bytes, n) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', view(bytes))).slice(0, n);
}

/**
 * The credential id of a code: SHA-256 of its COSE_Sign1 message (the bytes its base45 text
 * carries), first 8 bytes (spec/visit-v1.md §1).
 * @param {Uint8Array} message
 */
export function credentialId(message) {
  return sha256(message, 8);
}

/**
 * Sign ``v`` with the device key pair: the record's bytes (untagged COSE_Sign1).
 * @param {VisitContent} v
 * @param {CryptoKeyPair} keys  Ed25519; the private key may (and should) be non-extractable
 * @returns {Promise<Uint8Array>}
 */
export async function signVisit(v, keys) {
  const rawKey = new Uint8Array(await crypto.subtle.exportKey('raw', keys.publicKey));
  const kid = await sha256(rawKey, 8);
  const payload = claimsOf(v, rawKey);
  const protectedHeader = encodeMap(new Map(/** @type {[number, number|string|Uint8Array][]} */ ([[1, -8], [4, kid], [16, VISIT_TYPE]])));
  const tbs = Uint8Array.from([0x84, ...tstr('Signature1'), ...bstr(protectedHeader), 0x40, ...bstr(payload)]);
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, keys.privateKey, view(tbs)));
  const record = Uint8Array.from([0x84, ...bstr(protectedHeader), 0xa0, ...bstr(payload), ...bstr(signature)]);
  if (record.length > MAX_RECORD_BYTES) throw new RangeError(`a record is at most ${MAX_RECORD_BYTES} bytes`);
  return record;
}

/** 16 random bytes: a record id. */
export function newRecordId() {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** base64url without padding (RFC 4648 §5), as the endpoint takes records. @param {Uint8Array} bytes */
export function base64url(bytes) {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Lower-case hex. @param {Uint8Array} bytes */
export function hex(bytes) {
  return toHex(bytes);
}
