// @ts-check
/**
 * The JSON form of a verdict and of a decoded credential (spec §14), as `anxinma verify
 * --json` writes them: the page's `#verdict` data attributes and tests read this form.
 * @module report
 */
import { toHex } from './bytes.js';
import { dayText } from './claims.js';
import { isoTime } from './document.js';

/**
 * The credential as JSON (spec §14): the record fields without the ID number, then
 * `id_number_masked`, `issued_at`, `expires_at` and, when present, `not_before`, `status`.
 * Absent optional fields are left out.
 * @param {import('./claims.js').Credential | null} cred
 * @returns {Record<string, unknown> | null}
 */
export function credentialJson(cred) {
  if (cred === null) return null;
  /** @type {Record<string, unknown>} */
  const out = {
    name: cred.name,
    card_no: cred.card_no,
    enterprise_uscc: cred.enterprise_uscc,
    region: cred.region,
    services: cred.services,
    identity_verified: cred.identity_verified,
  };
  if (cred.background_check !== null) {
    out.background_check = { result: cred.background_check.result, checked_on: dayText(cred.background_check.checked_on) };
  }
  if (cred.health_exam_valid_until !== null) out.health_exam_valid_until = dayText(cred.health_exam_valid_until);
  if (cred.insurance_valid_until !== null) out.insurance_valid_until = dayText(cred.insurance_valid_until);
  if (cred.training_hours !== null) out.training_hours = cred.training_hours;
  if (cred.credit_score !== null) out.credit_score = cred.credit_score;
  if (cred.rating !== null) out.rating = { average: cred.rating.tenths / 10, count: cred.rating.count };
  out.id_number_masked = `${cred.id_hint.region}${'*'.repeat(12)}`;
  out.issued_at = isoTime(cred.issued_at);
  out.expires_at = isoTime(cred.expires_at);
  if (cred.not_before !== null) out.not_before = isoTime(cred.not_before);
  if (cred.status !== null) out.status = { list_id: cred.status.list_id, index: cred.status.index };
  return out;
}

/**
 * @typedef {object} DocumentReport
 * @property {string} file
 * @property {'trust_list' | 'status_list' | 'directory'} kind
 * @property {boolean} loaded
 * @property {string | null} reason
 */

/**
 * The verdict as JSON (spec §14.2), members in the spec's order.
 * @param {import('./verify.js').Verification} v
 * @param {{now: number, trust?: import('./trust.js').Trust | null, documents?: DocumentReport[]}} context
 * @returns {Record<string, unknown>}
 */
export function verdictJson(v, { now, trust = null, documents = [] }) {
  return {
    color: v.color,
    reasons: v.reasons,
    kid: v.kid === null ? null : toHex(v.kid),
    id_match: v.idMatch,
    detail: v.detail,
    issuer: v.issuer === null ? null : { id: v.issuer.id, name: v.issuer.name },
    status: {
      state: v.status.state,
      value: v.status.value,
      list: v.status.list,
      age_seconds: v.status.age === null ? null : Math.floor(v.status.age),
    },
    credential: credentialJson(v.credential),
    enterprise: v.enterprise === null ? null : { uscc: v.enterprise.uscc, name: v.enterprise.name, district: v.enterprise.district },
    trust:
      trust === null || trust.kind !== 'trust_list'
        ? null
        : { sequence: trust.sequence, age_seconds: Math.floor(now - /** @type {number} */ (trust.issuedAt)) },
    documents,
  };
}
