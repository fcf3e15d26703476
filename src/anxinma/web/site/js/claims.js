// @ts-check
/**
 * The claims set of a code -> a credential (spec §5, with the record rules of §4.2 that a
 * verifier applies).  Every violation is a RecordError naming the field and claim label;
 * the verifier turns it into `malformed` (spec §10.4 step 9).
 * @module claims
 */
import * as cbor from './cbor.js';
import { RecordError } from './errors.js';
import * as gb from './gbcodes.js';
import { nameProblem } from './names.js';

/** Claim labels (spec §5.1, §5.2; spec/anxinma.cddl). */
export const Claim = Object.freeze({
  EXP: 4,
  NBF: 5,
  IAT: 6,
  NAME: -1,
  CARD_NO: -2,
  ENTERPRISE: -3,
  REGION: -4,
  IDENTITY: -5,
  ID_REGION: -6,
  SERVICES: -7,
  BACKGROUND_CHECKED_ON: -8,
  HEALTH_EXAM_VALID_UNTIL: -9,
  INSURANCE_VALID_UNTIL: -10,
  TRAINING_HOURS: -11,
  CREDIT_SCORE: -12,
  RATING: -13,
  STATUS: -14,
});

/** The field each label carries, as errors name it. */
const FIELD = new Map([
  [4, 'exp'], [5, 'nbf'], [6, 'iat'], [-1, 'name'], [-2, 'card_no'], [-3, 'enterprise_uscc'], [-4, 'region'],
  [-5, 'identity'], [-6, 'id_region'], [-7, 'services'], [-8, 'background_check'], [-9, 'health_exam_valid_until'],
  [-10, 'insurance_valid_until'], [-11, 'training_hours'], [-12, 'credit_score'], [-13, 'rating'], [-14, 'status'],
]);

/**
 * The service vocabulary in bit order (spec §4.3), with the Chinese names screens show.
 * @type {ReadonlyArray<readonly [string, string]>}
 */
export const SERVICES = Object.freeze([
  ['housekeeping', '家务服务'],
  ['infant_care', '育婴服务'],
  ['maternity_care', '母婴护理'],
  ['elderly_care', '养老护理'],
  ['patient_care', '病患陪护'],
  ['cleaning', '保洁服务'],
  ['cooking', '烹饪服务'],
  ['home_appliance_repair', '家电维修'],
]);

const REQUIRED = [6, 4, -1, -2, -3, -4, -5, -7];
/** The largest value of every integer claim (spec §5.3). */
const HIGH = new Map([
  [4, 0xffffffffn], [5, 0xffffffffn], [6, 0xffffffffn], [-2, 2n ** 64n - 1n], [-4, 999999n], [-5, 0xfffn],
  [-6, 999999n], [-7, 255n], [-8, 0xffffn], [-9, 0xffffn], [-10, 0xffffn], [-11, 0xffffn], [-12, 100n],
  [-13, 0xffffffffn], [-14, 0xffffffffn],
]);
const DAY_MIN = 10957; // 2000-01-01
const DAY_MAX = 47481; // 2099-12-31
const MAX_VALID_SECONDS = 5 * 366 * 86400;
const CARD_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const VERIFIED_BIT = 1 << 10;
const FLAGGED_BIT = 1 << 11;

/**
 * @typedef {object} Credential
 * @property {string} name
 * @property {string} card_no
 * @property {string} enterprise_uscc
 * @property {string} region
 * @property {string[]} services names in vocabulary order
 * @property {boolean} identity_verified
 * @property {{result: 'clear' | 'flagged', checked_on: number} | null} background_check checked_on in days
 * @property {number | null} health_exam_valid_until days since 1970-01-01
 * @property {number | null} insurance_valid_until days since 1970-01-01
 * @property {number | null} training_hours
 * @property {number | null} credit_score
 * @property {{tenths: number, count: number} | null} rating
 * @property {{region: string, check: number}} id_hint
 * @property {number} issued_at seconds since the epoch
 * @property {number} expires_at seconds since the epoch
 * @property {number | null} not_before seconds since the epoch
 * @property {{list_id: number, index: number} | null} status
 */

/** @param {number} label @param {string} message */
const bad = (label, message) => new RecordError(FIELD.get(label) ?? String(label), message, label);

/** A day count as YYYY-MM-DD. @param {number} days */
export function dayText(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

/**
 * Decode a claims set into a credential (spec §5); throw RecordError.
 * @param {cbor.CborValue} claims
 * @returns {Credential}
 */
export function fromClaims(claims) {
  if (!cbor.isMap(claims)) throw new RecordError('claims', 'the claims set must be a map');
  for (const key of claims.keys()) {
    if (typeof key !== 'number' || !FIELD.has(key)) throw new RecordError('claims', `unknown claim label ${JSON.stringify(String(key))}`);
  }
  for (const label of REQUIRED) if (!claims.has(label)) throw bad(label, 'required claim is missing');
  /** @type {Map<number, number | bigint>} */
  const ints = new Map();
  for (const [label, value] of claims) {
    const high = HIGH.get(/** @type {number} */ (label));
    if (high === undefined) continue;
    if (!cbor.isInt(value) || BigInt(value) < 0n || BigInt(value) > high) {
      throw bad(/** @type {number} */ (label), `must be an unsigned integer up to ${high}`);
    }
    ints.set(/** @type {number} */ (label), value);
  }
  /** @param {number} label @returns {number | null} */
  const num = (label) => (ints.has(label) ? Number(ints.get(label)) : null);
  const word = /** @type {number} */ (num(Claim.IDENTITY));
  const region = String(num(Claim.REGION)).padStart(6, '0');
  const name = claims.get(Claim.NAME);
  if (typeof name !== 'string') throw bad(Claim.NAME, 'must be a text string');
  const problem = nameProblem(name);
  if (problem !== null) throw bad(Claim.NAME, problem);
  const cred = {
    name,
    card_no: unpackCardNo(BigInt(/** @type {number | bigint} */ (ints.get(Claim.CARD_NO)))),
    enterprise_uscc: unpackUscc(claims.get(Claim.ENTERPRISE)),
    region: checkedRegion(region, Claim.REGION),
    services: services(/** @type {number} */ (num(Claim.SERVICES))),
    identity_verified: (word & VERIFIED_BIT) !== 0,
    background_check: background(num(Claim.BACKGROUND_CHECKED_ON), word),
    health_exam_valid_until: day(num(Claim.HEALTH_EXAM_VALID_UNTIL), Claim.HEALTH_EXAM_VALID_UNTIL),
    insurance_valid_until: day(num(Claim.INSURANCE_VALID_UNTIL), Claim.INSURANCE_VALID_UNTIL),
    training_hours: num(Claim.TRAINING_HOURS),
    credit_score: num(Claim.CREDIT_SCORE),
    rating: rating(num(Claim.RATING)),
    id_hint: idHint(num(Claim.ID_REGION), region, word),
    issued_at: /** @type {number} */ (num(Claim.IAT)),
    expires_at: /** @type {number} */ (num(Claim.EXP)),
    not_before: num(Claim.NBF),
    status: status(num(Claim.STATUS)),
  };
  if (cred.expires_at <= cred.issued_at) throw bad(Claim.EXP, 'must be later than iat');
  if (cred.expires_at - cred.issued_at > MAX_VALID_SECONDS) throw bad(Claim.EXP, 'must be at most 1830 days after iat');
  return cred;
}

/** Bijective base 36 (spec §5.3): "0" = 1 ... "Z" = 36. @param {bigint} value */
export function unpackCardNo(value) {
  let out = '';
  while (value > 0n) {
    const digit = (value - 1n) % 36n;
    value = (value - 1n) / 36n;
    out = CARD_DIGITS[Number(digit)] + out;
  }
  if (out.length < 1 || out.length > 12) throw bad(Claim.CARD_NO, 'must be 1..12 characters');
  return out;
}

/** The packed USCC (spec §5.3) with its check character appended. @param {unknown} raw */
export function unpackUscc(raw) {
  if (!cbor.isBytes(raw) || raw.length !== 10) throw bad(Claim.ENTERPRISE, 'must be a 10-byte string');
  let value = 0n;
  for (const b of raw) value = (value << 8n) | BigInt(b);
  const a = gb.USCC_ALPHABET;
  const low = value % 31n ** 9n;
  const rest = value / 31n ** 9n;
  const head = rest / 10n ** 6n;
  const mid = rest % 10n ** 6n;
  if (head >= 31n * 31n) throw bad(Claim.ENTERPRISE, 'packed value out of range');
  let tail = '';
  let t = low;
  for (let i = 0; i < 9; i++) {
    tail = a[Number(t % 31n)] + tail;
    t /= 31n;
  }
  const first17 = a[Number(head / 31n)] + a[Number(head % 31n)] + String(mid).padStart(6, '0') + tail;
  return first17 + gb.usccCheckChar(first17);
}

/** @param {string} code @param {number} label */
function checkedRegion(code, label) {
  const problem = gb.regionProblem(code);
  if (problem !== null) throw bad(label, problem);
  return code;
}

/** @param {number} mask */
function services(mask) {
  const out = SERVICES.filter((_, bit) => mask & (1 << bit)).map(([name]) => name);
  if (!out.length) throw bad(Claim.SERVICES, 'must be a non-empty set of services');
  return out;
}

/** @param {number | null} days @param {number} label */
function day(days, label) {
  if (days !== null && (days < DAY_MIN || days > DAY_MAX)) {
    throw bad(label, `${dayText(days)} is outside 2000-01-01..2099-12-31`);
  }
  return days;
}

/** @param {number | null} days @param {number} word */
function background(days, word) {
  const flagged = (word & FLAGGED_BIT) !== 0;
  if (days === null) {
    if (flagged) throw bad(Claim.IDENTITY, 'background-flagged bit set without a background check date');
    return null;
  }
  return { result: /** @type {'clear' | 'flagged'} */ (flagged ? 'flagged' : 'clear'), checked_on: /** @type {number} */ (day(days, Claim.BACKGROUND_CHECKED_ON)) };
}

/** @param {number | null} packed */
function rating(packed) {
  if (packed === null) return null;
  const tenths = packed % 64;
  const count = Math.floor(packed / 64);
  if (tenths > 50) throw bad(Claim.RATING, `average ${tenths / 10} is above 5.0`);
  if (count > 1000000) throw bad(Claim.RATING, `count ${count} is above 1000000`);
  return { tenths, count };
}

/** @param {number | null} idRegion @param {string} region @param {number} word */
function idHint(idRegion, region, word) {
  let hintRegion = region;
  if (idRegion !== null) {
    const padded = String(idRegion).padStart(6, '0');
    if (padded === region) throw bad(Claim.ID_REGION, 'must be left out when equal to the region claim');
    hintRegion = checkedRegion(padded, Claim.ID_REGION);
  }
  return { region: hintRegion, check: word & 0x3ff };
}

/** @param {number | null} packed */
function status(packed) {
  return packed === null ? null : { list_id: Math.floor(packed / 2 ** 24), index: packed % 2 ** 24 };
}
