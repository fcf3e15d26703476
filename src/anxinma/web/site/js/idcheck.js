// @ts-check
/**
 * The ID check (spec §6.1, §10.5): a number typed from the worker's ID card against the
 * code's ID hint.  The typed number never leaves this function's caller: it is not stored.
 * @module idcheck
 */
import { sha256, utf8 } from './bytes.js';
import { idNumberProblem } from './gbcodes.js';
import { UsageError } from './errors.js';

/**
 * The white space removed from a typed number (spec §10.5).
 * @type {ReadonlySet<number>}
 */
export const ID_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/**
 * Remove white space and upper-case `x` (spec §10.5).
 * @param {string} typed
 * @returns {string}
 */
export function normalizeIdNumber(typed) {
  let out = '';
  for (const c of typed) {
    const cp = /** @type {number} */ (c.codePointAt(0));
    if (ID_WHITESPACE.has(cp)) continue;
    out += cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 32) : c;
  }
  return out;
}

/**
 * The typed number, normalised and checked (GB 11643); UsageError when it is not valid.
 * @param {string} typed
 * @returns {string}
 */
export function typedIdNumber(typed) {
  const number = normalizeIdNumber(typed);
  const problem = idNumberProblem(number);
  if (problem !== null) throw new UsageError(`id_number: ${problem}`);
  return number;
}

/**
 * The 10-bit check value of an ID number under a card number (spec §6.1).
 * @param {string} idNumber @param {string} cardNo @returns {Promise<number>}
 */
export async function checkValue(idNumber, cardNo) {
  const digest = await sha256(utf8(`anxinma/v1/id-check\u0000${cardNo}\u0000${idNumber}`));
  return ((digest[0] << 8) | digest[1]) >> 6;
}

/**
 * Whether a normalised, valid ID number matches a code's hint (spec §10.5).
 * @param {{region: string, check: number}} hint @param {string} cardNo @param {string} idNumber
 * @returns {Promise<boolean>}
 */
export async function idMatches(hint, cardNo, idNumber) {
  return idNumber.slice(0, 6) === hint.region && (await checkValue(idNumber, cardNo)) === hint.check;
}
