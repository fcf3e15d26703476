// @ts-check
/**
 * The ID check (spec §6.1, §10.5): a number typed from the worker's ID card against the
 * code's ID hint.  The typed number never leaves this function's caller: it is not stored.
 * @module idcheck
 */
import { sha256, utf8 } from './bytes.js';
import { idNumberProblem } from './gbcodes.js';
import { UsageError } from './errors.js';

/** Removed wherever they are (spec §10.5): ASCII white space, U+00A0 and U+3000. */
const DROP = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x3000]);

/**
 * A typed ID number as spec §10.5 normalises it: white space removed, fullwidth digits
 * folded to ASCII, `x`, `Ｘ` and `ｘ` folded to `X`; nothing else (any other character
 * stays, for the GB 11643 check to refuse).
 * @param {string} typed
 * @returns {string}
 */
export function normalizeIdNumber(typed) {
  let out = '';
  for (const c of typed) {
    const cp = /** @type {number} */ (c.codePointAt(0));
    if (DROP.has(cp)) continue;
    if (cp >= 0xff10 && cp <= 0xff19) out += String.fromCharCode(cp - 0xff10 + 0x30);
    else if (cp === 0x78 || cp === 0xff38 || cp === 0xff58) out += 'X';
    else out += c;
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
