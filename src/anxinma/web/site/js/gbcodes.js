// @ts-check
/**
 * Chinese national codes in a credential (spec §4.2): GB/T 2260 regions, GB 11643 citizen
 * ID numbers, GB 32100 unified social credit codes.  Each check returns null when the value
 * is valid, or a short English reason.
 * @module gbcodes
 */

/** Province-level codes of GB/T 2260 accepted by spec §4.2. */
export const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
  65, 71, 81, 82,
]);

/** The 31 characters of a USCC in value order (GB 32100-2015). */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const ID_CHECK = '10X98765432';

/** @param {string} code @returns {string | null} */
export function regionProblem(code) {
  if (!/^[0-9]{6}$/.test(code)) return 'must be 6 ASCII digits';
  if (!PROVINCES.has(Number(code.slice(0, 2)))) return `${code.slice(0, 2)} is not a GB/T 2260 province code`;
  if (code.slice(2) === '0000') return 'names a whole province; a prefecture or county code is expected';
  return null;
}

/** The GB 11643 check character of 17 digits (ISO 7064 MOD 11-2). @param {string} first17 */
export function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  return ID_CHECK[sum % 11];
}

/** @param {number} y @param {number} m @param {number} d */
function isCalendarDate(y, m, d) {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** Why `number` is not a valid GB 11643 citizen ID number, or null. @param {string} number */
export function idNumberProblem(number) {
  if (number.length !== 18 || /[^\x00-\x7f]/.test(number)) return 'must be 18 characters';
  if (!/^[0-9]{17}[0-9X]$/.test(number)) return 'must be 17 digits and a check character 0-9 or X';
  const region = regionProblem(number.slice(0, 6));
  if (region !== null) return `region digits ${number.slice(0, 6)}: ${region}`;
  if (!isCalendarDate(Number(number.slice(6, 10)), Number(number.slice(10, 12)), Number(number.slice(12, 14)))) {
    return `birth date ${number.slice(6, 14)} is not a calendar date`;
  }
  const expected = idCheckChar(number.slice(0, 17));
  if (number[17] !== expected) return `check character is ${number[17]}, expected ${expected}`;
  return null;
}

/** The GB 32100 check character of the first 17 USCC characters (MOD 31). @param {string} first17 */
export function usccCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]) * (3 ** i % 31);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/** Why `code` is not a valid GB 32100 USCC, or null. @param {string} code */
export function usccProblem(code) {
  if (Array.from(code).length !== 18) return 'must be 18 characters';
  const bad = Array.from(code).find((c) => !USCC_ALPHABET.includes(c));
  if (bad !== undefined) return `${JSON.stringify(bad)} is not a USCC character (0-9 and A-Y without I, O, S, V, Z)`;
  if (!/^[0-9]{6}$/.test(code.slice(2, 8))) return 'characters 3-8 must be a 6-digit region code';
  const expected = usccCheckChar(code.slice(0, 17));
  if (code[17] !== expected) return `check character is ${code[17]}, expected ${expected}`;
  return null;
}
