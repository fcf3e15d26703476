// @ts-check
/**
 * Offline verification: text in, verdict out (spec §10).
 *
 * `verify()` never throws on a bad code: it returns a verdict with a colour and stable
 * reason codes.  It throws only for misuse (a clock outside the format's range, an ID
 * number that is not a valid GB 11643 number).  Steps 1-9 of spec §10.4 stop at the
 * first failure; step 10 collects every reason, in the order DECISIONS.md fixes.
 * @module verify
 */
import * as base45 from './base45.js';
import * as cbor from './cbor.js';
import { parseSign1, sigStructure } from './cose.js';
import { verify as verifyEd25519 } from './ed25519.js';
import { fromClaims } from './claims.js';
import { ReasonError, AnxinmaError, Base45Error } from './errors.js';
import { typedIdNumber, idMatches } from './idcheck.js';
import { covers, lookup, withinWindow } from './trust.js';
import { statusAt } from './status.js';
import { toHex } from './bytes.js';
import { checkClock, isoTime } from './document.js';

export const PREFIX = 'AXM1:';
/** The text cap (spec §7.3): AXM1: + 357 characters. */
export const MAX_TEXT_CHARS = 362;
export const DEFAULT_LEEWAY = 300;

/** Reasons whose colour is yellow whatever the policy (spec §10.2). */
const YELLOW = new Set(['health_exam_missing', 'health_exam_expired', 'insurance_missing', 'insurance_expired']);

/**
 * The configurable part of the verdict (spec §10.6, DECISIONS).
 * @typedef {object} Policy
 * @property {number} maxStatusAge seconds
 * @property {'yellow' | 'red'} staleStatusColor
 * @property {'yellow' | 'red'} uncheckedStatusColor
 * @property {'yellow' | 'red'} unlistedEnterpriseColor
 */

/** @type {Readonly<Policy>} */
export const DEFAULT_POLICY = Object.freeze({
  maxStatusAge: 3 * 86400,
  staleStatusColor: 'yellow',
  uncheckedStatusColor: 'yellow',
  unlistedEnterpriseColor: 'yellow',
});

/** @param {string} reason @param {Policy} policy @returns {'yellow' | 'red'} */
export function colorOf(reason, policy = DEFAULT_POLICY) {
  if (reason === 'status_list_stale') return policy.staleStatusColor;
  if (reason === 'status_not_checked') return policy.uncheckedStatusColor;
  if (reason === 'enterprise_unlisted') return policy.unlistedEnterpriseColor;
  return YELLOW.has(reason) ? 'yellow' : 'red';
}

/**
 * @typedef {object} StatusCheck
 * @property {'checked' | 'stale' | 'not_checked'} state
 * @property {number | null} value
 * @property {string | null} list
 * @property {number | null} age seconds
 *
 * @typedef {object} Verification
 * @property {'green' | 'yellow' | 'red'} color
 * @property {string[]} reasons
 * @property {Uint8Array | null} kid
 * @property {import('./claims.js').Credential | null} credential
 * @property {boolean | null} idMatch
 * @property {string} detail
 * @property {import('./trust.js').Issuer | null} issuer
 * @property {StatusCheck} status
 * @property {import('./directory.js').Enterprise | null} enterprise
 */

/** @type {StatusCheck} */
const NOT_CHECKED = Object.freeze({ state: 'not_checked', value: null, list: null, age: null });

/**
 * @param {string} reason @param {string} detail @param {Uint8Array | null} [kid]
 * @returns {Verification}
 */
function failed(reason, detail, kid = null) {
  return { color: 'red', reasons: [reason], kid, credential: null, idMatch: null, detail, issuer: null, status: NOT_CHECKED, enterprise: null };
}

/** Spec §9.1 / DECISIONS: leading and trailing ASCII white space is removed before anything else. */
const EDGE_SPACE = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g;

/**
 * The COSE_Sign1 bytes in a code's text (spec §10.4 steps 1-3).
 * @param {string} text @returns {Uint8Array} @throws {ReasonError}
 */
export function fromText(text) {
  const stripped = text.replace(EDGE_SPACE, '');
  const length = Array.from(stripped).length;
  if (length > MAX_TEXT_CHARS) throw new ReasonError('malformed', `text is ${length} characters; the limit is ${MAX_TEXT_CHARS}`);
  if (!stripped.startsWith(PREFIX)) {
    if (/^AXM[0-9]+:/.test(stripped)) throw new ReasonError('unsupported_version', `prefix ${stripped.split(':')[0]}: is a version this page does not read (it reads ${PREFIX})`);
    throw new ReasonError('malformed', `not an anxinma code: it does not start with ${PREFIX}`);
  }
  try {
    return base45.decode(stripped.slice(PREFIX.length));
  } catch (exc) {
    if (exc instanceof Base45Error) throw new ReasonError('malformed', `base45 after the prefix, ${exc.message}`);
    throw exc;
  }
}

/**
 * The clock (its whole seconds, rounded down, in 0..2^32 - 1: spec §5.3) and the leeway
 * (0..86,400 s: spec §10.3); UsageError outside.
 * @param {number} now @param {number} [leeway]
 */
export function checkNow(now, leeway = DEFAULT_LEEWAY) {
  checkClock(now, leeway);
}

/**
 * Verify a code offline and decide its colour (spec §10).
 * @param {string} text the code's text
 * @param {import('./trust.js').Trust} trust a loaded trust list, or a bare keyring
 * @param {object} options
 * @param {number} options.now the device clock, seconds since the epoch
 * @param {import('./status.js').StatusListToken[]} [options.status] the status lists held
 * @param {import('./directory.js').Directory | null} [options.directory] the directory held
 * @param {string | null} [options.idNumber] a number typed from the worker's ID card
 * @param {number} [options.leeway]
 * @param {Policy} [options.policy]
 * @returns {Promise<Verification>}
 */
export async function verify(text, trust, { now, status = [], directory = null, idNumber = null, leeway = DEFAULT_LEEWAY, policy = DEFAULT_POLICY }) {
  checkNow(now, leeway);
  const typed = idNumber === null ? null : typedIdNumber(idNumber);
  let msg;
  try {
    msg = parseSign1(fromText(String(text)));
  } catch (exc) {
    if (exc instanceof ReasonError) return failed(exc.reason, exc.message);
    throw exc;
  }
  const found = lookup(trust, msg.kid);
  if (found === null) {
    if (trust.rootKids.has(toHex(msg.kid))) {
      return failed('role_mismatch', `signed by root key ${toHex(msg.kid)}; root keys sign trust lists only`, msg.kid);
    }
    return failed('unknown_key', `no trusted key has kid ${toHex(msg.kid)}`, msg.kid);
  }
  if (!(await verifyEd25519(found.key.publicKey, msg.signature, sigStructure(msg.protected, msg.payload)))) {
    return failed('signature_invalid', 'the signature does not verify', msg.kid);
  }
  let cred;
  try {
    cred = fromClaims(cbor.decode(msg.payload, { maxDepth: 1, maxItems: 64 }));
  } catch (exc) {
    if (exc instanceof AnxinmaError) return failed('malformed', `claims: ${exc.message}`, msg.kid);
    throw exc;
  }
  return assess(cred, msg.kid, found, { now, typed, leeway, policy, lists: status, directory });
}

/**
 * Step 10: every reason that applies, in order (DECISIONS "Order of reasons").
 * @param {import('./claims.js').Credential} cred @param {Uint8Array} kid @param {import('./trust.js').Found} found
 * @param {{now: number, typed: string | null, leeway: number, policy: Policy, lists: import('./status.js').StatusListToken[], directory: import('./directory.js').Directory | null}} ctx
 * @returns {Promise<Verification>}
 */
async function assess(cred, kid, found, ctx) {
  /** @type {[string, string][]} */
  const reasons = [];
  const { key, issuer } = found;
  // 1. trust
  if (key.state === 'compromised') reasons.push(['key_compromised', `key ${toHex(key.kid)} is marked compromised`]);
  if (!withinWindow(key, cred.issued_at)) reasons.push(['issued_outside_key_window', `issued at ${isoTime(cred.issued_at)}, outside the key's window`]);
  if (issuer !== null && !covers(issuer, cred.region)) reasons.push(['issuer_out_of_scope', `${issuer.name} may not issue for region ${cred.region}`]);
  // 2. time
  if (ctx.now >= cred.expires_at) reasons.push(['expired', `the code expired at ${isoTime(cred.expires_at)}`]);
  const horizon = ctx.now + ctx.leeway;
  const early = [cred.issued_at, cred.not_before].find((m) => m !== null && m > horizon);
  if (early !== undefined && early !== null) reasons.push(['not_yet_valid', `the code is not valid before ${isoTime(early)}`]);
  // 3. status
  const [check, statusReasons] = statusReasonsOf(cred, issuer, ctx);
  reasons.push(...statusReasons);
  // 4. enterprise
  const enterprise = ctx.directory === null ? null : ctx.directory.enterprises.get(cred.enterprise_uscc) ?? null;
  if (ctx.directory !== null && enterprise === null) {
    reasons.push(['enterprise_unlisted', `enterprise ${cred.enterprise_uscc} is not in the directory`]);
  }
  // 5. identity
  if (!cred.identity_verified) reasons.push(['identity_unverified', "the worker's identity was not verified"]);
  if (cred.background_check !== null && cred.background_check.result === 'flagged') {
    reasons.push(['background_check_flagged', 'the background check was flagged']);
  }
  // 6. documents (spec §4.4: valid through the last second of the day in CST)
  const today = Math.floor((ctx.now + 8 * 3600) / 86400);
  for (const [until, what] of /** @type {const} */ ([[cred.health_exam_valid_until, 'health_exam'], [cred.insurance_valid_until, 'insurance']])) {
    if (until === null) reasons.push([`${what}_missing`, `no ${what.replace('_', ' ')} on record`]);
    else if (today > until) reasons.push([`${what}_expired`, `the ${what.replace('_', ' ')} has expired`]);
  }
  // 7. typed ID number
  const idMatch = ctx.typed === null ? null : await idMatches(cred.id_hint, cred.card_no, ctx.typed);
  if (idMatch === false) reasons.push(['id_number_mismatch', 'the typed ID number does not match this code']);
  const codes = reasons.map(([r]) => r);
  const colors = codes.map((r) => colorOf(r, ctx.policy));
  const color = colors.includes('red') ? 'red' : colors.length ? 'yellow' : 'green';
  return {
    color,
    reasons: codes,
    kid,
    credential: cred,
    idMatch,
    detail: reasons.length ? reasons[0][1] : '',
    issuer,
    status: check,
    enterprise,
  };
}

/** Outcome order among lists of the same `iat` (DECISIONS): past the end, 1, 2, 3, 0. */
const TIE_ORDER = [4, 1, 2, 3, 0];

/**
 * @param {import('./claims.js').Credential} cred @param {import('./trust.js').Issuer | null} issuer
 * @param {{now: number, policy: Policy, lists: import('./status.js').StatusListToken[]}} ctx
 * @returns {[StatusCheck, [string, string][]]}
 */
function statusReasonsOf(cred, issuer, ctx) {
  const ref = cred.status;
  if (ref === null) return [NOT_CHECKED, []];
  const held = issuer === null ? [] : ctx.lists.filter((t) => t.issuerId === issuer.id && t.listId === ref.list_id);
  if (!held.length) {
    const why = issuer === null ? 'a bare keyring cannot check revocation' : `no status list ${ref.list_id} of issuer ${issuer.id} is held`;
    return [NOT_CHECKED, [['status_not_checked', `revocation was not checked: ${why}`]]];
  }
  /** @param {import('./status.js').StatusListToken} t */
  const outcome = (t) => (ref.index >= t.size ? 4 : statusAt(t, ref.index));
  const newest = Math.max(...held.map((t) => t.issuedAt));
  const token = held
    .filter((t) => t.issuedAt === newest)
    .reduce((a, b) => (TIE_ORDER.indexOf(outcome(b)) < TIE_ORDER.indexOf(outcome(a)) ? b : a));
  const age = ctx.now - token.issuedAt;
  if (ref.index >= token.size) {
    return [{ state: 'not_checked', value: null, list: token.uri, age }, [['status_index_out_of_range', `index ${ref.index} is past the end of ${token.uri}`]]];
  }
  const value = statusAt(token, ref.index);
  const stale = ctx.now >= token.expiresAt || age > ctx.policy.maxStatusAge;
  /** @type {[string, string][]} */
  const out = [];
  const word = ['', 'revoked', 'suspended', 'status_unknown'][value];
  if (word) out.push([word, `${token.uri} marks this credential ${['valid', 'invalid', 'suspended', 'reserved'][value]}`]);
  if (stale) out.push(['status_list_stale', `the status list was issued ${isoTime(token.issuedAt)}`]);
  return [{ state: stale ? 'stale' : 'checked', value, list: token.uri, age }, out];
}
